namespace LlmFramework.Backends.Torch;

/// <summary>
/// The configured torch device (<c>LlmFramework:Backends:Devices:torch</c> = "cuda" or "cuda:N") is not present and
/// no fallback is configured. Deliberately not a <see cref="NotSupportedException"/>: the host treats that as "device
/// absent, skip the backend" and carries on without a word beyond a log line, while a GPU asked for by name and missing
/// should stop the run with this message (which names the key and what is missing).
/// </summary>
public sealed class TorchDeviceUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public TorchDeviceUnavailableException()
        : base("the configured torch device is not available")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public TorchDeviceUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the exception that caused it.</summary>
    public TorchDeviceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
