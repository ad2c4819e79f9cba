using System.Text;

namespace LlmFramework.Training.Data;

/// <summary>
/// The text a model trains on: one .txt file, or every .txt file of a folder (ordinal name order, each file a
/// document separated from the next by a blank line), split into a training part and a held-out tail.
/// </summary>
/// <param name="TrainingText">The text before the held-out tail.</param>
/// <param name="HeldOutText">The tail: the last fraction of the text, starting at a line start.</param>
/// <param name="Files">The files read, in order.</param>
public sealed record TextCorpus(string TrainingText, string HeldOutText, IReadOnlyList<string> Files)
{
    /// <summary>
    /// Reads <paramref name="path"/> (a file or a folder of .txt files) and holds out the last
    /// <paramref name="heldOutFraction"/> of its characters, moved forward to the next line start so no line is cut.
    /// </summary>
    public static TextCorpus Load(string path, double heldOutFraction)
    {
        if (heldOutFraction is < 0 or >= 1)
        {
            throw new ArgumentException($"--holdout must be in [0, 1), got {heldOutFraction}");
        }

        string[] files;
        if (Directory.Exists(path))
        {
            files = Directory.GetFiles(path, "*.txt", SearchOption.AllDirectories);
            Array.Sort(files, StringComparer.Ordinal);
            if (files.Length == 0)
            {
                throw new ArgumentException($"--data '{path}' is a folder without .txt files");
            }
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            throw new ArgumentException($"--data '{path}' is neither a file nor a folder");
        }

        var text = new StringBuilder();
        foreach (string file in files)
        {
            string content = File.ReadAllText(file, Encoding.UTF8);
            if (text.Length > 0)
            {
                text.Append("\n\n");
            }

            text.Append(content.Replace("\r\n", "\n", StringComparison.Ordinal));
        }

        string all = text.ToString();
        if (all.Trim().Length == 0)
        {
            throw new ArgumentException($"--data '{path}' holds no text");
        }

        int split = all.Length;
        if (heldOutFraction > 0)
        {
            split = (int)(all.Length * (1 - heldOutFraction));
            int lineStart = all.IndexOf('\n', split);
            split = lineStart < 0 ? all.Length : lineStart + 1;
        }

        return new TextCorpus(all[..split], all[split..], files);
    }
}
