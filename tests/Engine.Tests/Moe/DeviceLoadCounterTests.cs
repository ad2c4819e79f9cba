using LlmFramework.Engine.Moe;

namespace LlmFramework.Engine.Tests.Moe;

/// <summary>The entries each expert device computed: per (device, layer, expert) since the start, per device over the window, and mean / max.</summary>
public sealed class DeviceLoadCounterTests
{
    [Fact]
    public void Entries_add_up_per_device_layer_and_expert()
    {
        var load = new DeviceLoadCounter(deviceCount: 2, moeLayers: 2, experts: 3, windowSteps: 4);
        load.Record(0, 0, 1);
        load.Record(0, 1, 1);
        load.Record(1, 1, 2);
        load.Record(1, 1, 2);
        Assert.Equal(2, load.Entries(0));
        Assert.Equal(2, load.Entries(1));
        Assert.Equal(1, load.Entries(0, 1));
        Assert.Equal(2, load.Entries(1, 1, 2));
        Assert.Equal(0, load.Entries(1, 0, 2));
        Assert.Equal(1, load.Balancedness);
        Assert.Throws<ArgumentOutOfRangeException>(() => load.Record(2, 0, 0));
    }

    [Fact]
    public void Balancedness_is_mean_over_max_over_the_window_and_one_when_nothing_ran()
    {
        var load = new DeviceLoadCounter(deviceCount: 2, moeLayers: 1, experts: 2, windowSteps: 2);
        Assert.Equal(1, load.Balancedness);
        for (int i = 0; i < 3; i++)
        {
            load.Record(0, 0, 0);
        }

        load.Record(1, 0, 1);
        Assert.Equal(2.0 / 3, load.Balancedness, 12);   // (3 + 1) / 2 / 3
        load.EndStep();
        load.Record(1, 0, 1);
        load.Record(1, 0, 1);
        Assert.Equal(1, load.Balancedness);                 // window: 3 and 3
        load.EndStep();                                     // the first step leaves the window: 0 and 2
        Assert.Equal(0.5, load.Balancedness, 12);
        Assert.Equal(2, load.WindowEntries(1));
        Assert.Equal(0, load.WindowEntries(0));
        Assert.Equal(1, load.LifetimeBalancedness);         // 3 and 3 since the start
        Assert.Equal(2, load.Steps);
    }
}
