namespace LlmFramework.Quantization.Tests;

public sealed class ProjectBuildsTests
{
    [Fact]
    public void Test_project_runs()
    {
        Assert.Equal(1, 1);
    }
}
