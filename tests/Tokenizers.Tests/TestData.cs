using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace LlmFramework.Tokenizers.Tests;

/// <summary>Paths of the copied tokenizer files and the deterministic parity corpus.</summary>
internal static class TestData
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "data");

    public static string File(string name) => Path.Combine(Dir, name);

    private static readonly Lazy<string> DeepSeekDir = new(() =>
    {
        // A Hugging Face model folder as a checkpoint has it: tokenizer.json (stored gzipped here) and tokenizer_config.json.
        string source = File("deepseek-v3");
        string gz = Path.Combine(source, "tokenizer.json.gz");
        string target = Path.Combine(Path.GetTempPath(), $"llmfw-deepseek-v3-{new FileInfo(gz).Length}");
        Directory.CreateDirectory(target);
        Publish(Path.Combine(target, "tokenizer.json"), partial =>
        {
            using var input = new GZipStream(System.IO.File.OpenRead(gz), CompressionMode.Decompress);
            using var output = System.IO.File.Create(partial);
            input.CopyTo(output);
        });
        Publish(Path.Combine(target, "tokenizer_config.json"), partial => System.IO.File.Copy(Path.Combine(source, "tokenizer_config.json"), partial));
        return target;
    });

    /// <summary>A folder with DeepSeek-V3's tokenizer.json and tokenizer_config.json, unpacked once into the temp folder.</summary>
    public static string DeepSeekFolder => DeepSeekDir.Value;

    /// <summary>DeepSeek-V3's tokenizer.json.</summary>
    public static string DeepSeekTokenizerJson => Path.Combine(DeepSeekFolder, "tokenizer.json");

    /// <summary>DeepSeek-V3's tokenizer_config.json (with its chat template).</summary>
    public static string DeepSeekTokenizerConfig => Path.Combine(DeepSeekFolder, "tokenizer_config.json");

    /// <summary>
    /// Runs <paramref name="use"/> on the path of a copy of <paramref name="tokenizerJson"/> changed by <paramref name="edit"/>,
    /// in a temp folder that is removed afterwards.
    /// </summary>
    public static void WithEditedTokenizerJson(string tokenizerJson, Action<JsonNode> edit, Action<string> use)
    {
        var node = JsonNode.Parse(System.IO.File.ReadAllText(tokenizerJson))!;
        edit(node);
        string dir = Directory.CreateTempSubdirectory("llmfw-tokenizer").FullName;
        try
        {
            string path = Path.Combine(dir, "tokenizer.json");
            System.IO.File.WriteAllText(path, node.ToJsonString());
            use(path);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>Writes <paramref name="target"/> once: through a per-process partial file, so parallel test runs never see half a file.</summary>
    private static void Publish(string target, Action<string> write)
    {
        if (System.IO.File.Exists(target))
        {
            return;
        }

        string partial = target + "." + Environment.ProcessId + ".part";
        write(partial);
        System.IO.File.Move(partial, target, overwrite: true);
    }

    /// <summary>At least <paramref name="count"/> varied lines, the same on every run.</summary>
    public static List<string> ParityLines(int count = 1200)
    {
        var english = System.IO.File.ReadAllLines(File("novels-excerpt.txt")).Where(l => l.Length > 0).ToArray();
        string[] fragments =
        [
            "Hello, world!", "你好，世界。今天天气很好。", "日本語のテキストとカタカナ、ひらがな。", "한국어 문장입니다.",
            "Привет, мир! Как дела?", "Γειά σου Κόσμε", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया",
            "😀😃😄 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️‍🔥", "𝐀𝐁𝐂 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠀀𠀁", "café naïve façade Ångström", "1234567890",
            "3.14159265358979323846", "+1 (555) 123-4567", "2024-01-01T12:34:56Z", "  leading spaces", "trailing spaces   ",
            "tabs\tand\t\ttabs", "new\nline\n\n\nlines", "\r\nwindows\r\n", "<s>", "</s>", "<unk>", "<s> hello </s>",
            "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>hi<｜Assistant｜>", "<think>x</think>",
            "def f(x):\n    return x ** 2  # square", "for (int i = 0; i < n; i++) { sum += a[i]; }",
            "SELECT * FROM users WHERE id = 42;", "{\"key\": [1, 2, 3], \"v\": null}", "https://example.com/a?b=c&d=e",
            "I'm you're it's we'll they'd I've", "DON'T STOP 'TIL", "...!!!???", "--- *** ___", "ﬁ ﬂ ½ ² Ⅻ",
            "mixed中文English日本語123abc", "\u00a0non-breaking\u2009thin\u3000ideographic", "zero\u200bwidth", "▁meta▁space",
            "a", " ", "  ", "\t", "\n", "", "0", "00000000000000000000", "e\u0301 combining", "Ωμέγα", "¿Qué? ¡Sí!",
        ];
        var rng = new Random(12345);
        var lines = new List<string>(count);
        lines.AddRange(fragments);
        lines.AddRange(english.Take(300));
        while (lines.Count < count)
        {
            var sb = new StringBuilder();
            int parts = rng.Next(1, 5);
            for (int p = 0; p < parts; p++)
            {
                if (rng.Next(3) == 0)
                {
                    sb.Append(fragments[rng.Next(fragments.Length)]);
                }
                else
                {
                    sb.Append(english[rng.Next(english.Length)]);
                }

                sb.Append(rng.Next(6) switch
                {
                    0 => " ",
                    1 => "\n",
                    2 => "  \t ",
                    3 => string.Empty,
                    4 => rng.Next(100000).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    _ => ", ",
                });
            }

            lines.Add(sb.ToString());
        }

        return lines;
    }
}
