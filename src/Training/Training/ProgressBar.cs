using System.Diagnostics;
using System.Globalization;

namespace LlmFramework.Training.Training;

/// <summary>
/// A one-line progress bar on stderr: step, a bar, loss, learning rate, tokens/s and the time left. On a terminal it
/// redraws in place; when stderr is redirected (a log file, CI) it prints a line every <c>logEvery</c> steps instead.
/// </summary>
public sealed class ProgressBar
{
    private readonly int _total;
    private readonly int _logEvery;
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly int _firstStep;
    private long _tokens;

    /// <summary>A bar for steps <paramref name="firstStep"/>..<paramref name="total"/>-1.</summary>
    public ProgressBar(int firstStep, int total, int logEvery = 50)
    {
        _firstStep = firstStep;
        _total = total;
        _logEvery = Math.Max(1, logEvery);
    }

    /// <summary>Tokens per second since the bar started.</summary>
    public double TokensPerSecond => _tokens / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);

    /// <summary>Reports that <paramref name="step"/> finished after processing <paramref name="tokens"/> tokens.</summary>
    public void Report(int step, double loss, double learningRate, long tokens, string? note = null)
    {
        _tokens += tokens;
        int done = step + 1;
        if (!_interactive && done % _logEvery != 0 && done != _total && note is null)
        {
            return;
        }

        double fraction = (double)done / _total;
        int filled = (int)(fraction * 24);
        double perStep = _clock.Elapsed.TotalSeconds / Math.Max(1, done - _firstStep);
        TimeSpan left = TimeSpan.FromSeconds(perStep * (_total - done));
        string line = string.Create(CultureInfo.InvariantCulture, $"step {done,6}/{_total} [{new string('#', filled)}{new string('.', 24 - filled)}] loss {loss:F4} lr {learningRate:E2} {TokensPerSecond,7:F0} tok/s left {(int)left.TotalHours:D2}:{left.Minutes:D2}:{left.Seconds:D2}{(note is null ? "" : "  " + note)}");
        if (_interactive)
        {
            Console.Error.Write("\r" + line + (note is null ? "" : "\n"));
        }
        else
        {
            Console.Error.WriteLine(line);
        }
    }

    /// <summary>Ends the bar's line.</summary>
    public void Finish()
    {
        if (_interactive)
        {
            Console.Error.WriteLine();
        }
    }
}
