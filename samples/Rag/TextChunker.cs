using System.Text.RegularExpressions;

namespace LlmFramework.Samples.Rag;

/// <summary>Cuts text into chunks of whole paragraphs of at most a given number of words (a longer paragraph is cut by words).</summary>
internal static partial class TextChunker
{
    public static IEnumerable<DocumentChunk> Chunk(string file, string text, int maxWords)
    {
        var current = new List<string>();
        int index = 0;
        foreach (string paragraph in ParagraphBreak().Split(text))
        {
            string[] words = paragraph.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (current.Count > 0 && current.Count + words.Length > maxWords)
            {
                yield return new DocumentChunk(file, ++index, string.Join(' ', current));
                current.Clear();
            }

            foreach (string word in words)
            {
                current.Add(word);
                if (current.Count == maxWords)
                {
                    yield return new DocumentChunk(file, ++index, string.Join(' ', current));
                    current.Clear();
                }
            }
        }

        if (current.Count > 0)
        {
            yield return new DocumentChunk(file, ++index, string.Join(' ', current));
        }
    }

    [GeneratedRegex(@"\r?\n\s*\r?\n")]
    private static partial Regex ParagraphBreak();
}
