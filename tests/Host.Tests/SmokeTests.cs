namespace LlmFramework.Host.Tests;

public sealed class ProjectBuildsTests
{
    [Fact]
    public void Test_project_runs()
    {
        Assert.Equal(1, 1);
    }
}
