namespace LlmFramework.Tools.Train;

/// <summary>Runs a verb's body; a failure caused by input prints one line on stderr and exits 1, anything else exits 3.</summary>
internal static class ToolRunner
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IOException or NotSupportedException or InvalidOperationException
            or UnauthorizedAccessException or FormatException or LlmFramework.Abstractions.Models.ModelLoadException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
#pragma warning disable CA1031 // the tool's last line of defence: report, never crash with a stack dump
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"internal error: {ex.GetType().Name}: {ex.Message}");
            if (Environment.GetEnvironmentVariable("LLMF_DEBUG") == "1")
            {
                Console.Error.WriteLine(ex);
            }

            return 3;
        }
    }
}
