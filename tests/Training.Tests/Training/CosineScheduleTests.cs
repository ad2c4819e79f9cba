using LlmFramework.Training.Training;

namespace LlmFramework.Training.Tests.Training;

/// <summary>Warm-up rises linearly to the peak; cosine decay ends at the floor on the last step.</summary>
public sealed class CosineScheduleTests
{
    [Fact]
    public void Warm_up_then_cosine_to_the_floor()
    {
        var schedule = new CosineSchedule(1e-3, 1e-4, 10, 110);
        Assert.Equal(1e-4, schedule.At(0), 12);
        Assert.Equal(5e-4, schedule.At(4), 12);
        Assert.Equal(1e-3, schedule.At(10), 12);
        Assert.Equal(1e-4, schedule.At(109), 12);
        Assert.InRange(schedule.At(60), 5.4e-4, 5.6e-4); // half-way down the cosine
        for (int s = 11; s < 110; s++)
        {
            Assert.True(schedule.At(s) <= schedule.At(s - 1), $"step {s} rises");
        }
    }
}
