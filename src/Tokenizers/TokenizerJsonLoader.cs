using System.Text.Json;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Tokenizers.PreTokenization;

namespace LlmFramework.Tokenizers;

/// <summary>Builds a tokenizer from a Hugging Face tokenizer.json (BPE models: SentencePiece-style or byte-level).</summary>
internal static class TokenizerJsonLoader
{
    public static ITokenizer Load(string path, TokenizerConfig? config)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new ModelLoadException(path, $"not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            return Load(path, doc.RootElement, config);
        }
    }

    private static ITokenizer Load(string path, JsonElement root, TokenizerConfig? config)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ModelLoadException(path, "the top level is not a JSON object");
        }

        var model = Required(path, root, "model", JsonValueKind.Object, "model");
        string type = model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "BPE";
        if (type != "BPE")
        {
            throw new ModelLoadException(path, $"field 'model.type' is '{type}'; only BPE models are supported");
        }

        var vocabJson = Required(path, model, "vocab", JsonValueKind.Object, "model.vocab");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        int maxId = -1;
        foreach (var p in vocabJson.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0)
            {
                throw new ModelLoadException(path, $"field 'model.vocab' maps '{p.Name}' to {p.Value.GetRawText()}, not a non-negative integer id");
            }

            vocab[p.Name] = id;
            maxId = Math.Max(maxId, id);
        }

        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens", out var addedJson) && addedJson.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var a in addedJson.EnumerateArray())
            {
                string field = $"added_tokens[{i++}]";
                int id = Required(path, a, "id", JsonValueKind.Number, field + ".id").GetInt32();
                string content = Required(path, a, "content", JsonValueKind.String, field + ".content").GetString()!;
                added.Add(new AddedToken(id, content, Flag(a, "special"), Flag(a, "lstrip"), Flag(a, "rstrip"), Flag(a, "single_word")));
                maxId = Math.Max(maxId, id);
            }
        }

        var tokens = new string?[maxId + 1];
        foreach (var (text, id) in vocab)
        {
            tokens[id] = text;
        }

        foreach (var a in added)
        {
            tokens[a.Id] ??= a.Content;
        }

        var ranks = ReadMerges(path, model, vocab);
        bool byteFallback = Flag(model, "byte_fallback");
        int? unkId = model.TryGetProperty("unk_token", out var u) && u.ValueKind == JsonValueKind.String && vocab.TryGetValue(u.GetString()!, out int uid) ? uid : null;

        int? bosId = IdOf(config?.BosToken, vocab, added);
        int? eosId = IdOf(config?.EosToken, vocab, added);
        bool? postBos = PostProcessorAddsBos(root, vocab, added, out int? postBosId);
        bosId ??= postBosId;
        bool addBos = config?.AddBosToken ?? postBos ?? false;
        bool addEos = config?.AddEosToken ?? false;

        bool byteLevel = Mentions(root, "pre_tokenizer", "ByteLevel") || Mentions(root, "decoder", "ByteLevel");
        if (byteLevel)
        {
            var steps = new List<PreTokenizerStep>();
            bool prefix = false;
            if (root.TryGetProperty("pre_tokenizer", out var pre) && pre.ValueKind == JsonValueKind.Object)
            {
                AddPreTokenizer(path, pre, "pre_tokenizer", steps, ref prefix);
            }

            CheckNormalizerIsIdentity(path, root);
            return new ByteLevelBpeTokenizer(new ByteLevelBpeOptions
            {
                Tokens = tokens,
                MergeRanks = ranks,
                PreTokenizers = steps,
                AddPrefixSpace = prefix,
                IgnoreMerges = Flag(model, "ignore_merges"),
                UnknownId = unkId,
                AddedTokens = added,
                BosId = bosId,
                EosIds = EndOfGeneration.Ids(eosId, null, added.Where(a => a.Special).Select(a => (a.Id, a.Content))),
                AddBos = addBos,
                AddEos = addEos,
            });
        }

        var pieces = new string[tokens.Length];
        var types = new int[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            pieces[i] = tokens[i] ?? string.Empty;
            types[i] = pieces[i].Length == 6 && pieces[i].StartsWith("<0x", StringComparison.Ordinal) && pieces[i].EndsWith('>') ? TokenTypes.Byte : TokenTypes.Normal;
        }

        foreach (var a in added)
        {
            types[a.Id] = a.Special ? TokenTypes.Control : TokenTypes.UserDefined;
        }

        if (unkId is int unk)
        {
            types[unk] = TokenTypes.Unknown;
        }

        return new SentencePieceTokenizer(new SentencePieceOptions
        {
            Pieces = pieces,
            Scores = new float[pieces.Length],
            Types = types,
            MergeRanks = ranks,
            AddDummyPrefix = AddsDummyPrefix(path, root, out bool prefixOnlyAtStart, out bool prefixUnlessPresent),
            DummyPrefixOnlyAtStart = prefixOnlyAtStart,
            DummyPrefixUnlessPresent = prefixUnlessPresent,
            ByteFallback = byteFallback,
            FuseUnknown = Flag(model, "fuse_unk"),
            UnknownId = unkId,
            BosId = bosId,
            EosIds = EndOfGeneration.Ids(eosId, null, added.Where(a => a.Special).Select(a => (a.Id, a.Content))),
            AddBos = addBos,
            AddEos = addEos,
            AddedTokens = added,
        });
    }

    private static Dictionary<(int, int), int> ReadMerges(string path, JsonElement model, Dictionary<string, int> vocab)
    {
        var ranks = new Dictionary<(int, int), int>();
        if (!model.TryGetProperty("merges", out var merges) || merges.ValueKind == JsonValueKind.Null)
        {
            return ranks;
        }

        if (merges.ValueKind != JsonValueKind.Array)
        {
            throw new ModelLoadException(path, "field 'model.merges' is not a list");
        }

        int rank = 0;
        foreach (var m in merges.EnumerateArray())
        {
            string? a, b;
            if (m.ValueKind == JsonValueKind.String)
            {
                string s = m.GetString()!;
                int space = s.IndexOf(' ', 1);
                if (space < 0)
                {
                    throw new ModelLoadException(path, $"field 'model.merges[{rank}]' is \"{s}\", not two tokens separated by a space");
                }

                a = s[..space];
                b = s[(space + 1)..];
            }
            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2 && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
            {
                a = m[0].GetString();
                b = m[1].GetString();
            }
            else
            {
                throw new ModelLoadException(path, $"field 'model.merges[{rank}]' is neither \"a b\" nor [\"a\", \"b\"]");
            }

            if (!vocab.TryGetValue(a!, out int ia) || !vocab.TryGetValue(b!, out int ib))
            {
                throw new ModelLoadException(path, $"field 'model.merges[{rank}]' names a token that is not in 'model.vocab' ('{a}' '{b}')");
            }

            if (!vocab.ContainsKey(a + b))
            {
                throw new ModelLoadException(path, $"field 'model.merges[{rank}]': the merged token '{a + b}' is not in 'model.vocab'");
            }

            ranks.TryAdd((ia, ib), rank);
            rank++;
        }

        return ranks;
    }

    private static void AddPreTokenizer(string path, JsonElement pre, string field, List<PreTokenizerStep> steps, ref bool prefixSpace)
    {
        string type = Required(path, pre, "type", JsonValueKind.String, field + ".type").GetString()!;
        switch (type)
        {
            case "Sequence":
            {
                var list = Required(path, pre, "pretokenizers", JsonValueKind.Array, field + ".pretokenizers");
                int i = 0;
                foreach (var p in list.EnumerateArray())
                {
                    AddPreTokenizer(path, p, $"{field}.pretokenizers[{i++}]", steps, ref prefixSpace);
                }

                break;
            }

            case "Split":
            {
                var pattern = Required(path, pre, "pattern", JsonValueKind.Object, field + ".pattern");
                string regex = pattern.TryGetProperty("Regex", out var r) ? r.GetString()! :
                    pattern.TryGetProperty("String", out var s) ? System.Text.RegularExpressions.Regex.Escape(s.GetString()!) :
                    throw new ModelLoadException(path, $"field '{field}.pattern' has neither 'Regex' nor 'String'");
                var behavior = Behavior(path, pre, field);
                try
                {
                    steps.Add(new RegexSplitStep(regex, behavior, Flag(pre, "invert")));
                }
                catch (ArgumentException e)
                {
                    throw new ModelLoadException(path, $"field '{field}.pattern' is a regex .NET cannot compile: {e.Message}", e);
                }
                catch (NotSupportedException e)
                {
                    throw new NotSupportedException($"{path}: field '{field}.pattern': {e.Message}", e);
                }

                break;
            }

            case "ByteLevel":
                if (steps.Count == 0 && Flag(pre, "add_prefix_space"))
                {
                    prefixSpace = true;
                }
                else if (Flag(pre, "add_prefix_space"))
                {
                    throw new NotSupportedException($"{path}: '{field}.add_prefix_space' after other pre-tokenizers is not supported");
                }

                if (!pre.TryGetProperty("use_regex", out var useRegex) || useRegex.ValueKind != JsonValueKind.False)
                {
                    steps.Add(new RegexSplitStep(PreTokenizerPatterns.Gpt2, SplitBehavior.Isolated, false));
                }

                break;
            case "Digits":
                steps.Add(CharSplitStep.Digits(Flag(pre, "individual_digits")));
                break;
            case "WhitespaceSplit":
                steps.Add(CharSplitStep.WhitespaceSplit());
                break;
            case "Whitespace":
                steps.Add(new RegexSplitStep(PreTokenizerPatterns.Whitespace, SplitBehavior.Removed, true));
                break;
            case "Punctuation":
                steps.Add(CharSplitStep.Punctuation(pre.TryGetProperty("behavior", out _) ? Behavior(path, pre, field) : SplitBehavior.Isolated));
                break;
            case "BertPreTokenizer":
                steps.Add(CharSplitStep.WhitespaceSplit());
                steps.Add(CharSplitStep.Punctuation(SplitBehavior.Isolated));
                break;
            case "CharDelimiterSplit":
            {
                string delimiter = Required(path, pre, "delimiter", JsonValueKind.String, field + ".delimiter").GetString()!;
                steps.Add(delimiter.Length == 1 ? CharSplitStep.CharDelimiter(delimiter[0]) :
                    throw new NotSupportedException($"{path}: '{field}.delimiter' = '{delimiter}' is not one UTF-16 character"));
                break;
            }

            default:
                throw new NotSupportedException($"{path}: pre-tokenizer '{field}.type' = '{type}' is not supported (supported: Sequence, Split, ByteLevel, Digits, WhitespaceSplit, Whitespace, Punctuation, BertPreTokenizer, CharDelimiterSplit)");
        }
    }

    private static SplitBehavior Behavior(string path, JsonElement pre, string field)
    {
        string text = Required(path, pre, "behavior", JsonValueKind.String, field + ".behavior").GetString()!;
        return Enum.TryParse<SplitBehavior>(text, out var behavior) ? behavior :
            throw new ModelLoadException(path, $"field '{field}.behavior' is '{text}', not one of {string.Join(", ", Enum.GetNames<SplitBehavior>())}");
    }

    private static bool AddsDummyPrefix(string path, JsonElement root, out bool onlyAtStart, out bool unlessPresent)
    {
        bool prepend = false;
        onlyAtStart = false;
        unlessPresent = false;
        if (root.TryGetProperty("normalizer", out var n) && n.ValueKind == JsonValueKind.Object)
        {
            foreach (var step in Flatten(n, "normalizers"))
            {
                string type = step.GetProperty("type").GetString()!;
                switch (type)
                {
                    case "Prepend":
                        prepend = step.GetProperty("prepend").GetString() == "\u2581";
                        break;
                    case "Replace":
                        var pattern = step.GetProperty("pattern");
                        if (!pattern.TryGetProperty("String", out var s) || s.GetString() != " " || step.GetProperty("content").GetString() != "\u2581")
                        {
                            throw new NotSupportedException($"{path}: normalizer Replace other than ' ' -> '\u2581' is not supported");
                        }

                        break;
                    default:
                        throw new NotSupportedException($"{path}: normalizer '{type}' is not supported for SentencePiece-style BPE (supported: Prepend, Replace)");
                }
            }
        }

        if (root.TryGetProperty("pre_tokenizer", out var pre) && pre.ValueKind == JsonValueKind.Object)
        {
            foreach (var step in Flatten(pre, "pretokenizers"))
            {
                string type = step.GetProperty("type").GetString()!;
                if (type != "Metaspace")
                {
                    throw new NotSupportedException($"{path}: pre-tokenizer '{type}' is not supported for SentencePiece-style BPE (supported: Metaspace)");
                }

                string scheme = step.TryGetProperty("prepend_scheme", out var ps) ? ps.GetString()! :
                    step.TryGetProperty("add_prefix_space", out var ap) && ap.ValueKind == JsonValueKind.False ? "never" : "always";
                prepend = scheme != "never";
                onlyAtStart = scheme == "first";
                unlessPresent = true;
            }
        }

        return prepend;
    }

    private static void CheckNormalizerIsIdentity(string path, JsonElement root)
    {
        if (root.TryGetProperty("normalizer", out var n) && n.ValueKind == JsonValueKind.Object && Flatten(n, "normalizers").Any())
        {
            throw new NotSupportedException($"{path}: normalizers are not supported for byte-level BPE ('normalizer' must be null or an empty Sequence)");
        }
    }

    private static IEnumerable<JsonElement> Flatten(JsonElement e, string listField)
    {
        if (e.TryGetProperty("type", out var t) && t.GetString() == "Sequence")
        {
            foreach (var c in e.GetProperty(listField).EnumerateArray())
            {
                foreach (var x in Flatten(c, listField))
                {
                    yield return x;
                }
            }
        }
        else
        {
            yield return e;
        }
    }

    private static bool Mentions(JsonElement root, string field, string type) =>
        root.TryGetProperty(field, out var e) && e.ValueKind == JsonValueKind.Object && HasType(e, type);

    private static bool HasType(JsonElement e, string type)
    {
        if (e.TryGetProperty("type", out var t) && t.GetString() == type)
        {
            return true;
        }

        foreach (string list in new[] { "pretokenizers", "decoders" })
        {
            if (e.TryGetProperty(list, out var items) && items.ValueKind == JsonValueKind.Array &&
                items.EnumerateArray().Any(x => x.ValueKind == JsonValueKind.Object && HasType(x, type)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool? PostProcessorAddsBos(JsonElement root, Dictionary<string, int> vocab, List<AddedToken> added, out int? bosId)
    {
        bosId = null;
        if (!root.TryGetProperty("post_processor", out var pp) || pp.ValueKind != JsonValueKind.Object ||
            !pp.TryGetProperty("single", out var single) || single.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var item in single.EnumerateArray())
        {
            if (item.TryGetProperty("SpecialToken", out var st))
            {
                bosId = IdOf(st.GetProperty("id").GetString(), vocab, added);
                return true;
            }

            if (item.TryGetProperty("Sequence", out _))
            {
                return false;
            }
        }

        return false;
    }

    private static int? IdOf(string? text, Dictionary<string, int> vocab, List<AddedToken> added)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var a in added)
        {
            if (a.Content == text)
            {
                return a.Id;
            }
        }

        return vocab.TryGetValue(text, out int id) ? id : null;
    }

    private static bool Flag(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static JsonElement Required(string path, JsonElement parent, string name, JsonValueKind kind, string field)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var v))
        {
            throw new ModelLoadException(path, $"field '{field}' is missing");
        }

        if (v.ValueKind != kind && !(kind == JsonValueKind.True && v.ValueKind == JsonValueKind.False))
        {
            throw new ModelLoadException(path, $"field '{field}' is {v.ValueKind}, expected {kind}");
        }

        return v;
    }
}
