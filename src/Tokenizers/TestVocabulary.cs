using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LlmFramework.Tokenizers;

/// <summary>
/// A valid LLaMA-2-style SentencePiece vocabulary of any size from 259 for test models: &lt;unk&gt;=0, &lt;s&gt;=1,
/// &lt;/s&gt;=2, &lt;0x00&gt;..&lt;0xFF&gt; (type 6), then pieces made from common English letters and words with
/// decreasing scores. Every piece of two or more characters has exactly one split into two pieces (its prefix
/// and last character), so merging by score (llama.cpp) and by merge rank (Hugging Face) agree.
/// </summary>
public static class TestVocabulary
{
    /// <summary>Id of &lt;unk&gt;.</summary>
    public const int UnknownId = 0;

    /// <summary>Id of &lt;s&gt;.</summary>
    public const int BosId = 1;

    /// <summary>Id of &lt;/s&gt;.</summary>
    public const int EosId = 2;

    private const int MaxPieceLength = 16;
    private const string Letters = "etaoinshrdlcumwfgypbvkjxqz";
    private const string OtherChars = "ETAOINSHRDLCUMWFGYPBVKJXQZ0123456789.,;:!?'\"-()";

    private static readonly string[] Seeds =
    [
        "\u2581the", "\u2581a", "\u2581and", "\u2581of", "\u2581to", "\u2581in", "\u2581is", "\u2581it", "\u2581that", "\u2581was",
        "\u2581he", "\u2581for", "\u2581on", "\u2581with", "\u2581as", "\u2581his", "\u2581at", "\u2581by", "\u2581be", "\u2581had",
        "\u2581not", "\u2581are", "\u2581but", "\u2581from", "\u2581or", "\u2581have", "\u2581an", "\u2581they", "\u2581which",
        "\u2581one", "\u2581you", "\u2581were", "\u2581her", "\u2581all", "\u2581she", "\u2581there", "\u2581would", "\u2581their",
        "\u2581we", "\u2581him", "\u2581been", "\u2581has", "\u2581when", "\u2581who", "\u2581will", "\u2581more", "\u2581no",
        "\u2581if", "\u2581out", "\u2581so", "\u2581said", "\u2581what", "\u2581up", "\u2581its", "\u2581about", "\u2581into",
        "\u2581than", "\u2581them", "\u2581can", "\u2581only", "\u2581other", "\u2581new", "\u2581some", "\u2581could", "\u2581time",
        "\u2581The", "\u2581I", "\u2581He", "\u2581She", "\u2581It", "\u2581A", "\u2581In", "\u2581Mr", "\u2581Emma", "\u2581Miss",
        "ing", "ed", "er", "es", "ly", "tion", "en", "re", "on", "an", "st", "nd", "ou", "ea", "th", "ll",
        "\u2581very", "\u2581little", "\u2581good", "\u2581great", "\u2581never", "\u2581know", "\u2581think", "\u2581must",
    ];

    /// <summary>The vocabulary as GGUF tokenizer.ggml.* metadata (model "llama").</summary>
    public static GgufVocabulary Create(int vocabSize)
    {
        if (vocabSize < 259)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, "A LLaMA-style vocabulary needs at least 259 entries (3 special tokens and 256 byte tokens).");
        }

        var tokens = new List<string>(vocabSize) { "<unk>", "<s>", "</s>" };
        var types = new List<int>(vocabSize) { TokenTypes.Unknown, TokenTypes.Control, TokenTypes.Control };
        for (int b = 0; b < 256; b++)
        {
            tokens.Add($"<0x{b:X2}>");
            types.Add(TokenTypes.Byte);
        }

        var builder = new PieceSetBuilder(tokens, vocabSize);
        foreach (string seed in Seeds)
        {
            builder.AddWithPrefixes(seed);
        }

        foreach (char c in "\u2581" + Letters + OtherChars)
        {
            builder.TryAdd(c.ToString());
        }

        builder.Extend(Letters);
        while (types.Count < tokens.Count)
        {
            types.Add(TokenTypes.Normal);
        }

        var scores = new float[tokens.Count];
        for (int i = 259; i < scores.Length; i++)
        {
            scores[i] = -(i - 259);
        }

        return new GgufVocabulary
        {
            Model = "llama",
            Pre = "default",
            Tokens = tokens.ToArray(),
            Scores = scores,
            TokenTypes = types.ToArray(),
            BosId = BosId,
            EosId = EosId,
            UnknownId = UnknownId,
            AddBos = true,
            AddEos = false,
            ChatTemplate = ChatTemplates.Llama2,
        };
    }

    /// <summary>
    /// The same vocabulary as a Hugging Face tokenizer.json: BPE with byte fallback, merges of every two pieces that
    /// make a piece (ranked by that piece's score, as transformers' LlamaConverter does), Prepend+Replace
    /// normaliser and the ByteFallback/Fuse/Strip decoder of LLaMA 2's tokenizer.json.
    /// </summary>
    public static string ToTokenizerJson(GgufVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        var tokens = vocabulary.Tokens;
        var types = vocabulary.TokenTypes ?? Enumerable.Repeat(TokenTypes.Normal, tokens.Length).ToArray();
        var scores = vocabulary.Scores ?? new float[tokens.Length];
        string? Text(int? id) => id is int i && i >= 0 && i < tokens.Length ? tokens[i] : null;
        string bos = Text(vocabulary.BosId) ?? "<s>";

        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            w.WriteStartArray("added_tokens");
            for (int i = 0; i < tokens.Length; i++)
            {
                if (types[i] is TokenTypes.Unknown or TokenTypes.Control or TokenTypes.UserDefined)
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", i);
                    w.WriteString("content", tokens[i]);
                    w.WriteBoolean("single_word", false);
                    w.WriteBoolean("lstrip", false);
                    w.WriteBoolean("rstrip", false);
                    w.WriteBoolean("normalized", types[i] == TokenTypes.UserDefined);
                    w.WriteBoolean("special", types[i] != TokenTypes.UserDefined);
                    w.WriteEndObject();
                }
            }

            w.WriteEndArray();
            w.WriteStartObject("normalizer");
            w.WriteString("type", "Sequence");
            w.WriteStartArray("normalizers");
            w.WriteStartObject();
            w.WriteString("type", "Prepend");
            w.WriteString("prepend", "\u2581");
            w.WriteEndObject();
            w.WriteStartObject();
            w.WriteString("type", "Replace");
            w.WriteStartObject("pattern");
            w.WriteString("String", " ");
            w.WriteEndObject();
            w.WriteString("content", "\u2581");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteNull("pre_tokenizer");
            WritePostProcessor(w, bos, vocabulary.BosId ?? 1, vocabulary.AddBos ?? true);
            WriteDecoder(w);
            w.WriteStartObject("model");
            w.WriteString("type", "BPE");
            w.WriteNull("dropout");
            w.WriteString("unk_token", Text(vocabulary.UnknownId) ?? "<unk>");
            w.WriteNull("continuing_subword_prefix");
            w.WriteNull("end_of_word_suffix");
            w.WriteBoolean("fuse_unk", true);
            w.WriteBoolean("byte_fallback", true);
            w.WriteBoolean("ignore_merges", false);
            w.WriteStartObject("vocab");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < tokens.Length; i++)
            {
                if (seen.Add(tokens[i]))
                {
                    w.WriteNumber(tokens[i], i);
                }
            }

            w.WriteEndObject();
            w.WriteStartArray("merges");
            foreach (var (left, right) in MergesOf(tokens, types, scores))
            {
                w.WriteStringValue(left + " " + right);
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>tokenizer_config.json for the vocabulary: bos/eos/unk tokens, add_bos_token and a LLaMA-2 chat template.</summary>
    public static string ToTokenizerConfigJson(GgufVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        string? Text(int? id) => id is int i && i >= 0 && i < vocabulary.Tokens.Length ? vocabulary.Tokens[i] : null;
        var config = new Dictionary<string, object?>
        {
            ["add_bos_token"] = vocabulary.AddBos ?? true,
            ["add_eos_token"] = vocabulary.AddEos ?? false,
            ["bos_token"] = Text(vocabulary.BosId) ?? "<s>",
            ["eos_token"] = Text(vocabulary.EosId) ?? "</s>",
            ["unk_token"] = Text(vocabulary.UnknownId) ?? "<unk>",
            ["pad_token"] = Text(vocabulary.PaddingId),
            ["clean_up_tokenization_spaces"] = false,
            ["legacy"] = true,
            ["model_max_length"] = 1_000_000,
            ["tokenizer_class"] = "LlamaTokenizer",
            ["chat_template"] = vocabulary.ChatTemplate ?? ChatTemplates.Llama2,
        };
        return JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static List<(string Left, string Right)> MergesOf(string[] tokens, int[] types, float[] scores)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++)
        {
            if (types[i] is TokenTypes.Normal or TokenTypes.UserDefined or TokenTypes.Unused)
            {
                ids.TryAdd(tokens[i], i);
            }
        }

        var merges = new List<(float Score, int Piece, int Left, int Right, string L, string R)>();
        foreach (var (piece, id) in ids)
        {
            for (int k = 1; k < piece.Length; k++)
            {
                if (char.IsLowSurrogate(piece[k]))
                {
                    continue;
                }

                string l = piece[..k], r = piece[k..];
                if (ids.TryGetValue(l, out int li) && ids.TryGetValue(r, out int ri))
                {
                    merges.Add((scores[id], id, li, ri, l, r));
                }
            }
        }

        return merges.OrderByDescending(m => m.Score).ThenBy(m => m.Piece).ThenBy(m => m.Left).ThenBy(m => m.Right)
            .Select(m => (m.L, m.R)).ToList();
    }

    private static void WritePostProcessor(Utf8JsonWriter w, string bos, int bosId, bool addBos)
    {
        w.WriteStartObject("post_processor");
        w.WriteString("type", "TemplateProcessing");
        w.WriteStartArray("single");
        if (addBos)
        {
            w.WriteStartObject();
            w.WriteStartObject("SpecialToken");
            w.WriteString("id", bos);
            w.WriteNumber("type_id", 0);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteStartObject();
        w.WriteStartObject("Sequence");
        w.WriteString("id", "A");
        w.WriteNumber("type_id", 0);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartArray("pair");
        foreach (var (seq, type) in new[] { ("A", 0), ("B", 1) })
        {
            if (addBos)
            {
                w.WriteStartObject();
                w.WriteStartObject("SpecialToken");
                w.WriteString("id", bos);
                w.WriteNumber("type_id", type);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteStartObject();
            w.WriteStartObject("Sequence");
            w.WriteString("id", seq);
            w.WriteNumber("type_id", type);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("special_tokens");
        if (addBos)
        {
            w.WriteStartObject(bos);
            w.WriteString("id", bos);
            w.WriteStartArray("ids");
            w.WriteNumberValue(bosId);
            w.WriteEndArray();
            w.WriteStartArray("tokens");
            w.WriteStringValue(bos);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteDecoder(Utf8JsonWriter w)
    {
        w.WriteStartObject("decoder");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("decoders");
        w.WriteStartObject();
        w.WriteString("type", "Replace");
        w.WriteStartObject("pattern");
        w.WriteString("String", "\u2581");
        w.WriteEndObject();
        w.WriteString("content", " ");
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteString("type", "ByteFallback");
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteString("type", "Fuse");
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteString("type", "Strip");
        w.WriteString("content", " ");
        w.WriteNumber("start", 1);
        w.WriteNumber("stop", 0);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Adds pieces while keeping the set prefix-closed and every long piece's split unique.</summary>
    private sealed class PieceSetBuilder(List<string> tokens, int capacity)
    {
        private readonly HashSet<string> _pieces = new(StringComparer.Ordinal);
        private readonly HashSet<string> _suffixes = new(StringComparer.Ordinal);

        public bool Full => tokens.Count >= capacity;

        public void AddWithPrefixes(string word)
        {
            foreach (char c in word)
            {
                TryAdd(c.ToString());
            }

            for (int len = 2; len <= word.Length; len++)
            {
                string prefix = word[..len];
                if (!_pieces.Contains(prefix) && !TryAdd(prefix))
                {
                    return;
                }
            }
        }

        public bool TryAdd(string piece)
        {
            if (Full || _pieces.Contains(piece) || _suffixes.Contains(piece))
            {
                return false;
            }

            if (piece.Length >= 2)
            {
                if (!_pieces.Contains(piece[..^1]) || !_pieces.Contains(piece[^1..]))
                {
                    return false;
                }

                for (int k = 1; k <= piece.Length - 2; k++)
                {
                    if (_pieces.Contains(piece[k..]))
                    {
                        return false;
                    }
                }

                for (int k = 1; k <= piece.Length - 2; k++)
                {
                    _suffixes.Add(piece[k..]);
                }
            }

            _pieces.Add(piece);
            tokens.Add(piece);
            return true;
        }

        public void Extend(string chars)
        {
            while (!Full)
            {
                int before = tokens.Count;
                var snapshot = tokens.Skip(259).Where(p => p.Length < MaxPieceLength).ToList();
                foreach (string piece in snapshot)
                {
                    foreach (char c in chars)
                    {
                        if (Full)
                        {
                            return;
                        }

                        TryAdd(piece + c);
                    }
                }

                if (tokens.Count == before)
                {
                    throw new InvalidOperationException($"TestVocabulary cannot make {capacity} distinct pieces (stopped at {before}).");
                }
            }
        }
    }
}
