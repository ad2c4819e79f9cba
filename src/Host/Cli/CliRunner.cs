using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Models;
using LlmFramework.Host.Configuration;

namespace LlmFramework.Host.Cli;

/// <summary>Runs a verb's body and turns every failure into a one-line message on stderr and a non-zero exit code.</summary>
internal static class CliRunner
{
    /// <summary>Exit code for a failure caused by input (files, config, arguments).</summary>
    public const int InputError = 1;

    /// <summary>Exit code for an unexpected internal failure.</summary>
    public const int InternalError = 3;

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception ex) when (ex is ModelLoadException or HostConfigurationException or GraphBuildException or ArgumentException
            or InvalidOperationException or NotSupportedException or IOException or UnauthorizedAccessException or FormatException or InvalidDataException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return InputError;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
#pragma warning disable CA1031 // the CLI's last line of defence: report, never crash with a stack dump
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"internal error: {ex.GetType().Name}: {ex.Message}");
            if (Environment.GetEnvironmentVariable("LLMF_DEBUG") == "1")
            {
                Console.Error.WriteLine(ex);
            }

            return InternalError;
        }
    }
}
