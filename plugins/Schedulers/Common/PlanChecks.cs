using LlmFramework.Abstractions.Moe;

namespace LlmFramework.Schedulers.Common;

/// <summary>What every scheduler checks before and after planning.</summary>
internal static class PlanChecks
{
    /// <summary>Refuses a request whose parts do not fit together.</summary>
    public static void Validate(ExpertPlacementRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Shape);
        ArgumentNullException.ThrowIfNull(request.Load);
        MoeModelShape shape = request.Shape;
        if (shape.MoeLayerCount < 0 || shape.ExpertCount < 0 || shape.ExpertBytes < 0)
        {
            throw new ArgumentException($"the MoE model shape {shape} has a negative count or size", nameof(request));
        }

        if (request.Load.MoeLayerCount != shape.MoeLayerCount || request.Load.ExpertCount != shape.ExpertCount)
        {
            throw new ArgumentException($"the expert load covers {request.Load.MoeLayerCount} x {request.Load.ExpertCount} experts, the model has {shape.MoeLayerCount} x {shape.ExpertCount}", nameof(request));
        }

        if (request.Current is { } current && (current.Shape.MoeLayerCount != shape.MoeLayerCount || current.Shape.ExpertCount != shape.ExpertCount))
        {
            throw new ArgumentException($"the current placement covers {current.Shape.MoeLayerCount} x {current.Shape.ExpertCount} experts, the model has {shape.MoeLayerCount} x {shape.ExpertCount}", nameof(request));
        }

        if (request.ResidentBudgetBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.ResidentBudgetBytes, "the resident budget must be 0 or more bytes");
        }

        if (request.DeviceCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.DeviceCount, "experts need at least one device");
        }
    }

    /// <summary><paramref name="plan"/>, after checking it keeps no more resident than <paramref name="budget"/> (more is a bug in the scheduler).</summary>
    public static ExpertPlacement WithinBudget(string scheduler, ExpertPlacement plan, long budget)
    {
        if (plan.ResidentBytes > budget)
        {
            throw new InvalidOperationException($"bug in the {scheduler} MoE scheduler: its plan keeps {plan.ResidentBytes} bytes of experts resident, over the budget of {budget} bytes");
        }

        return plan;
    }

    /// <summary>One replica of each of <paramref name="cells"/> experts, on device 0.</summary>
    public static int[][] OnDeviceZero(int cells)
    {
        var devices = new int[cells][];
        for (int i = 0; i < cells; i++)
        {
            devices[i] = [0];
        }

        return devices;
    }
}
