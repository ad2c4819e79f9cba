namespace LlmFramework.Host.Serving.Parsing;

/// <summary>Helpers for streaming parsers that look for markers which may arrive split across chunks.</summary>
internal static class PartialMarker
{
    /// <summary>
    /// Length of the longest end of <paramref name="text"/> that is the start of <paramref name="marker"/> (shorter than the
    /// whole marker): that many characters must be held back until the next chunk says whether the marker follows.
    /// </summary>
    public static int HeldBack(ReadOnlySpan<char> text, string marker)
    {
        for (int k = Math.Min(marker.Length - 1, text.Length); k > 0; k--)
        {
            if (text[^k..].SequenceEqual(marker.AsSpan(0, k)))
            {
                return k;
            }
        }

        return 0;
    }

    /// <summary>The largest <see cref="HeldBack(ReadOnlySpan{char}, string)"/> over <paramref name="markers"/>.</summary>
    public static int HeldBack(ReadOnlySpan<char> text, IReadOnlyList<string> markers)
    {
        int most = 0;
        foreach (string marker in markers)
        {
            most = Math.Max(most, HeldBack(text, marker));
        }

        return most;
    }
}
