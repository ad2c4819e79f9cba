using System.Text;

namespace LlmFramework.Engine.Text;

/// <summary>
/// Finds stop strings in streamed text, also when one is split over several pushes. Text that might still turn out to
/// be the start of a stop string is held back, so nothing of a stop string is ever emitted. The result does not
/// depend on how the text is cut into pushes: the stop that completes first (earliest end; on a tie, the one that
/// starts earliest) wins. Matching is ordinal. Not thread-safe: one per sequence.
/// </summary>
public sealed class StopMatcher
{
    private readonly string[] _stops;
    private readonly int _longest;
    private readonly StringBuilder _held = new();
    private string? _matched;

    /// <summary>Creates a matcher; an empty list passes text through unchanged.</summary>
    /// <exception cref="ArgumentException">A stop string is null or empty.</exception>
    public StopMatcher(IReadOnlyList<string> stopStrings)
    {
        ArgumentNullException.ThrowIfNull(stopStrings);
        _stops = new string[stopStrings.Count];
        for (int i = 0; i < _stops.Length; i++)
        {
            string stop = stopStrings[i];
            if (string.IsNullOrEmpty(stop))
            {
                throw new ArgumentException($"stop string {i} is empty", nameof(stopStrings));
            }

            _stops[i] = stop;
            _longest = Math.Max(_longest, stop.Length);
        }
    }

    /// <summary>Whether a stop string has completed; later pushes emit nothing.</summary>
    public bool Stopped => _matched is not null;

    /// <summary>Number of characters currently held back.</summary>
    public int HeldLength => _held.Length;

    /// <summary>
    /// Adds <paramref name="text"/>. Returns the text that can be shown now and, when a stop string completed, which
    /// one: the text before it is emitted, the stop string and anything after it are dropped.
    /// </summary>
    public StopResult Push(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_matched is not null)
        {
            return new StopResult(string.Empty, true, _matched);
        }

        if (_stops.Length == 0)
        {
            return new StopResult(text, false, null);
        }

        if (text.Length == 0)
        {
            return new StopResult(string.Empty, false, null);
        }

        _held.Append(text);
        string buffer = _held.ToString();
        _held.Clear();

        int bestStart = -1;
        int bestEnd = int.MaxValue;
        string? bestStop = null;
        foreach (string stop in _stops)
        {
            int start = buffer.IndexOf(stop, StringComparison.Ordinal);
            if (start >= 0)
            {
                int end = start + stop.Length;
                if (end < bestEnd || (end == bestEnd && start < bestStart))
                {
                    (bestStart, bestEnd, bestStop) = (start, end, stop);
                }
            }
        }

        if (bestStop is not null)
        {
            _matched = bestStop;
            return new StopResult(buffer[..bestStart], true, bestStop);
        }

        int keep = PossibleStopPrefixStart(buffer);
        _held.Append(buffer, keep, buffer.Length - keep);
        return new StopResult(keep == buffer.Length ? buffer : buffer[..keep], false, null);
    }

    /// <summary>Ends generation: returns the held-back text (nothing after a stop) and clears it.</summary>
    public string Flush()
    {
        string text = _held.ToString();
        _held.Clear();
        return _matched is null ? text : string.Empty;
    }

    /// <summary>Start of the longest suffix of <paramref name="buffer"/> that is a proper prefix of some stop string.</summary>
    private int PossibleStopPrefixStart(string buffer)
    {
        for (int start = Math.Max(0, buffer.Length - _longest + 1); start < buffer.Length; start++)
        {
            ReadOnlySpan<char> suffix = buffer.AsSpan(start);
            foreach (string stop in _stops)
            {
                if (stop.Length > suffix.Length && stop.AsSpan().StartsWith(suffix, StringComparison.Ordinal))
                {
                    return start;
                }
            }
        }

        return buffer.Length;
    }
}
