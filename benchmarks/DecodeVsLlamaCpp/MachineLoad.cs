using System.Globalization;

namespace LlmFramework.Benchmarks.DecodeVsLlamaCpp;

/// <summary>The 1-minute load average (Linux), to flag runs taken while other work shared the cores.</summary>
internal static class MachineLoad
{
    public static double? OneMinuteAverage()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
