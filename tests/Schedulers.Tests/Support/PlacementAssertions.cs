using LlmFramework.Abstractions.Moe;

namespace LlmFramework.Schedulers.Tests.Support;

/// <summary>Facts about placements the tests check.</summary>
internal static class PlacementAssertions
{
    /// <summary>Whether every expert is resident with its one replica on device 0.</summary>
    public static bool AllResidentOnDeviceZero(this ExpertPlacement placement)
    {
        for (int l = 0; l < placement.Shape.MoeLayerCount; l++)
        {
            for (int e = 0; e < placement.Shape.ExpertCount; e++)
            {
                if (!placement.IsResident(l, e) || placement.Devices(l, e) is not [0])
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The lowest <see cref="ExpertPlacement.Balancedness"/> of one layer on its own, over the layers.</summary>
    public static double WorstLayerBalancedness(this ExpertPlacement placement, ExpertLoad load)
    {
        int experts = placement.Shape.ExpertCount;
        var shape = placement.Shape with { MoeLayerCount = 1 };
        double worst = 1;
        for (int l = 0; l < placement.Shape.MoeLayerCount; l++)
        {
            var layerLoad = new ExpertLoad(1, experts, load.WindowOfLayer(l).ToArray(), load.TotalOfLayer(l).ToArray(), load.WindowSteps);
            var layer = new ExpertPlacement(
                shape,
                placement.DeviceCount,
                [.. Enumerable.Range(0, experts).Select(e => placement.IsResident(l, e))],
                [.. Enumerable.Range(0, experts).Select(e => placement.Devices(l, e).ToArray())]);
            worst = Math.Min(worst, layer.Balancedness(layerLoad));
        }

        return worst;
    }
}
