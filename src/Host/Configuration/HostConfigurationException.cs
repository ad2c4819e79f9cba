namespace LlmFramework.Host.Configuration;

/// <summary>The host configuration is invalid. The message names the key (or file) and the problem.</summary>
public sealed class HostConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HostConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public HostConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public HostConfigurationException()
    {
    }
}
