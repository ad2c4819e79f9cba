namespace LlmFramework.Backends.Torch.Devices;

/// <summary>The torch backend's entries of <c>LlmFramework:Backends:Settings:torch</c>.</summary>
/// <param name="FallbackToCpu">Fallback = "cpu": run on the torch CPU device, with a warning, when the configured CUDA device is absent.</param>
internal sealed record TorchBackendSettings(bool FallbackToCpu)
{
    /// <summary>The setting that allows the CPU fallback.</summary>
    public const string FallbackSetting = "Fallback";

    /// <summary>Reads the settings; an unknown key or value is an error that names it.</summary>
    /// <exception cref="ArgumentException">A key or value is not one the torch backend knows.</exception>
    public static TorchBackendSettings Parse(IReadOnlyDictionary<string, string> settings)
    {
        bool fallback = false;
        foreach ((string key, string value) in settings)
        {
            if (!string.Equals(key, FallbackSetting, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"{TorchBackendFactory.SettingsSection}:{key} is not a torch backend setting; known: {FallbackSetting}", nameof(settings));
            }

            fallback = value.Trim().ToLowerInvariant() switch
            {
                "cpu" => true,
                "" or "none" => false,
                _ => throw new ArgumentException($"{TorchBackendFactory.FallbackKey} = \"{value}\" is not valid; use \"cpu\" (fall back to the torch CPU device with a warning) or \"none\" (the default: stop with an error)", nameof(settings)),
            };
        }

        return new TorchBackendSettings(fallback);
    }
}
