using LlmFramework.Abstractions.Moe;
using LlmFramework.Engine.Moe;

namespace LlmFramework.Engine.Tests.Moe;

public sealed class ExpertRoutingCounterTests
{
    [Fact]
    public void Window_keeps_only_the_last_steps_and_total_keeps_everything()
    {
        var counter = new ExpertRoutingCounter(moeLayers: 2, experts: 4, windowSteps: 3);
        for (int step = 0; step < 5; step++)
        {
            counter.Record(0, step % 4);     // steps 0..4 choose experts 0,1,2,3,0 in layer 0
            counter.Record(1, 3);
            counter.EndStep();
        }

        // The window is the current (empty) step and the two before it: steps 3 and 4 chose experts 3 and 0.
        ExpertLoad load = counter.Snapshot();
        Assert.Equal([1L, 0, 0, 1], load.WindowOfLayer(0).ToArray());
        Assert.Equal([2L, 1, 1, 1], load.TotalOfLayer(0).ToArray());
        Assert.Equal(2, load.Window(1, 3));
        Assert.Equal(5, load.Total(1, 3));
        Assert.Equal(5, counter.Steps);
    }

    [Fact]
    public void A_window_of_three_steps_counts_exactly_three_steps()
    {
        var counter = new ExpertRoutingCounter(1, 2, windowSteps: 3);
        for (int step = 0; step < 10; step++)
        {
            counter.Record(0, 0);
            counter.EndStep();
        }

        // After EndStep the current bucket is empty, so the window holds the previous WindowSteps - 1 steps.
        Assert.Equal(2, counter.Snapshot().Window(0, 0));
        counter.Record(0, 0);
        Assert.Equal(3, counter.Snapshot().Window(0, 0));
        Assert.Equal(11, counter.Snapshot().Total(0, 0));
    }

    [Fact]
    public void Out_of_range_experts_are_refused_with_their_coordinates()
    {
        var counter = new ExpertRoutingCounter(2, 4, 8);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => counter.Record(1, 4));
        Assert.Contains("expert 4 of MoE layer 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Saved_statistics_round_trip_and_restore_into_a_counter()
    {
        var counter = new ExpertRoutingCounter(2, 3, 4);
        counter.Record(0, 1);
        counter.Record(0, 1);
        counter.Record(1, 2);
        counter.EndStep();
        counter.Record(1, 0);
        string path = Path.Combine(Path.GetTempPath(), $"llmf-load-{Guid.NewGuid():N}.msgpack");
        try
        {
            ExpertLoadFile.Save(counter.Snapshot(), path);
            ExpertLoad loaded = ExpertLoadFile.Load(path);
            Assert.Equal(counter.Snapshot().TotalOfLayer(0).ToArray(), loaded.TotalOfLayer(0).ToArray());
            Assert.Equal(counter.Snapshot().WindowOfLayer(1).ToArray(), loaded.WindowOfLayer(1).ToArray());

            var restarted = new ExpertRoutingCounter(2, 3, 4);
            restarted.Restore(loaded);
            Assert.Equal(2, restarted.Snapshot().Window(0, 1));
            Assert.Equal(1, restarted.Snapshot().Total(1, 0));

            // The restored window ages out like any other step.
            for (int i = 0; i < 4; i++)
            {
                restarted.EndStep();
            }

            Assert.Equal(0, restarted.Snapshot().Window(0, 1));
            Assert.Equal(2, restarted.Snapshot().Total(0, 1));
            Assert.Throws<ArgumentException>(() => new ExpertRoutingCounter(3, 3, 4).Restore(loaded));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_damaged_statistics_file_is_an_error_naming_the_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"llmf-load-{Guid.NewGuid():N}.msgpack");
        try
        {
            File.WriteAllBytes(path, [0x81, 0xa6, 0x66, 0x6f]);
            var e = Assert.Throws<InvalidDataException>(() => ExpertLoadFile.Load(path));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            File.WriteAllBytes(path, [0x80]);
            e = Assert.Throws<InvalidDataException>(() => ExpertLoadFile.Load(path));
            Assert.Contains("not an expert statistics file", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
