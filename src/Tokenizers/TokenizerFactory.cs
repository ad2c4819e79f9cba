using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Tokenizers.PreTokenization;

namespace LlmFramework.Tokenizers;

/// <summary>Builds tokenizers from Hugging Face, SentencePiece and GGUF vocabularies.</summary>
public static class TokenizerFactory
{
    /// <summary>
    /// Loads a Hugging Face tokenizer.json (BPE: SentencePiece-style with byte fallback, or byte-level), with
    /// tokenizer_config.json for bos/eos and add_bos_token when given.
    /// </summary>
    /// <exception cref="ModelLoadException">A file is malformed or lacks a field.</exception>
    public static ITokenizer FromTokenizerJson(string tokenizerJsonPath, string? tokenizerConfigPath)
    {
        var config = tokenizerConfigPath is null ? null : TokenizerConfig.Load(tokenizerConfigPath);
        return TokenizerJsonLoader.Load(tokenizerJsonPath, config);
    }

    /// <summary>
    /// The tokenizer of a Hugging Face model folder: tokenizer.json, else tokenizer.model, with tokenizer_config.json
    /// when the folder has one.
    /// </summary>
    /// <exception cref="ModelLoadException">The folder has neither file, or the file is malformed.</exception>
    public static ITokenizer FromFolder(string folder)
    {
        string configPath = Path.Combine(folder, "tokenizer_config.json");
        string? config = File.Exists(configPath) ? configPath : null;
        string json = Path.Combine(folder, "tokenizer.json");
        string model = Path.Combine(folder, "tokenizer.model");
        return File.Exists(json) ? FromTokenizerJson(json, config)
            : File.Exists(model) ? FromSentencePieceModel(model, config)
            : throw new ModelLoadException(folder, "folder has neither tokenizer.json nor tokenizer.model");
    }

    /// <summary>Loads a SentencePiece tokenizer.model (BPE models), with tokenizer_config.json when given.</summary>
    /// <exception cref="ModelLoadException">The file is not a valid SentencePiece model.</exception>
    public static ITokenizer FromSentencePieceModel(string tokenizerModelPath, string? tokenizerConfigPath)
    {
        (SentencePieceModelReader.Model model, TokenizerConfig? config, string[] pieces, Func<string?, int, int?> Find) = ReadSentencePiece(tokenizerModelPath, tokenizerConfigPath);
        int? eos = Find(config?.EosToken, model.EosId);
        return new SentencePieceTokenizer(new SentencePieceOptions
        {
            Pieces = pieces,
            Scores = model.Scores.ToArray(),
            Types = model.Types.ToArray(),
            AddDummyPrefix = model.AddDummyPrefix,
            ByteFallback = model.ByteFallback,
            UnknownId = Find(config?.UnknownToken, model.UnkId),
            BosId = Find(config?.BosToken, model.BosId),
            EosIds = eos is int e ? [e] : [],
            AddBos = config?.AddBosToken ?? true,
            AddEos = config?.AddEosToken ?? false,
        });
    }

    /// <summary>
    /// The GGUF tokenizer.ggml.* metadata of a SentencePiece BPE tokenizer.model (with tokenizer_config.json when given),
    /// as llama.cpp's converter writes it: model "llama", pieces, scores and SentencePiece piece types, special ids,
    /// add_bos/add_eos, add_space_prefix from the model's dummy prefix, and the config's chat template.
    /// </summary>
    /// <exception cref="ModelLoadException">The file is not a valid SentencePiece model.</exception>
    public static GgufVocabulary GgufVocabularyFromSentencePiece(string tokenizerModelPath, string? tokenizerConfigPath)
    {
        (SentencePieceModelReader.Model model, TokenizerConfig? config, string[] pieces, Func<string?, int, int?> Find) = ReadSentencePiece(tokenizerModelPath, tokenizerConfigPath);
        return new GgufVocabulary
        {
            Model = "llama",
            Pre = "default",
            Tokens = pieces,
            Scores = model.Scores.ToArray(),
            TokenTypes = model.Types.ToArray(),
            BosId = Find(config?.BosToken, model.BosId),
            EosId = Find(config?.EosToken, model.EosId),
            UnknownId = Find(config?.UnknownToken, model.UnkId),
            AddBos = config?.AddBosToken ?? true,
            AddEos = config?.AddEosToken ?? false,
            AddSpacePrefix = model.AddDummyPrefix,
            ChatTemplate = config?.ChatTemplate,
        };
    }

    /// <summary>A BPE tokenizer.model, its config, its pieces and a lookup of a special token (config text, else the model's id).</summary>
    private static (SentencePieceModelReader.Model Model, TokenizerConfig? Config, string[] Pieces, Func<string?, int, int?> Find) ReadSentencePiece(string tokenizerModelPath, string? tokenizerConfigPath)
    {
        var model = SentencePieceModelReader.Read(tokenizerModelPath);
        if (model.ModelType != 2)
        {
            throw new NotSupportedException($"{tokenizerModelPath}: trainer_spec.model_type is {model.ModelType}; only BPE (2) SentencePiece models are supported");
        }

        var config = tokenizerConfigPath is null ? null : TokenizerConfig.Load(tokenizerConfigPath);
        var pieces = model.Pieces.ToArray();
        int? Find(string? text, int fallback) =>
            text is not null && Array.IndexOf(pieces, text) is int i and >= 0 ? i : fallback >= 0 && fallback < pieces.Length ? fallback : null;
        return (model, config, pieces, Find);
    }

    /// <summary>The chat template of a tokenizer_config.json (with its bos/eos token texts), or null if it has none.</summary>
    /// <exception cref="ModelLoadException">The file is malformed.</exception>
    /// <exception cref="ChatTemplateException">The template does not parse.</exception>
    public static JinjaChatTemplate? ChatTemplateFromTokenizerConfig(string tokenizerConfigPath)
    {
        var config = TokenizerConfig.Load(tokenizerConfigPath);
        return config.ChatTemplate is null ? null : new JinjaChatTemplate(config.ChatTemplate, config.BosToken, config.EosToken);
    }

    /// <summary>The chat template of a GGUF vocabulary (tokenizer.chat_template), or null if it has none.</summary>
    /// <exception cref="ChatTemplateException">The template does not parse.</exception>
    public static JinjaChatTemplate? ChatTemplateFromGgufVocabulary(GgufVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        string? Text(int? id) => id is int i && i >= 0 && i < vocabulary.Tokens.Length ? vocabulary.Tokens[i] : null;
        return vocabulary.ChatTemplate is null ? null : new JinjaChatTemplate(vocabulary.ChatTemplate, Text(vocabulary.BosId), Text(vocabulary.EosId));
    }

    /// <summary>Builds the tokenizer llama.cpp would build from a GGUF file's tokenizer.ggml.* metadata.</summary>
    /// <exception cref="ModelLoadException">The vocabulary is inconsistent (array lengths, ids out of range).</exception>
    public static ITokenizer FromGgufVocabulary(GgufVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        const string Where = "GGUF tokenizer.ggml";
        var tokens = vocabulary.Tokens ?? throw new ModelLoadException(Where, "field 'tokenizer.ggml.tokens' is missing");
        int n = tokens.Length;
        if (n == 0)
        {
            throw new ModelLoadException(Where, "field 'tokenizer.ggml.tokens' is empty");
        }

        if (vocabulary.Scores is { } s && s.Length != n)
        {
            throw new ModelLoadException(Where, $"field 'tokenizer.ggml.scores' has {s.Length} entries for {n} tokens");
        }

        if (vocabulary.TokenTypes is { } tt && tt.Length != n)
        {
            throw new ModelLoadException(Where, $"field 'tokenizer.ggml.token_type' has {tt.Length} entries for {n} tokens");
        }

        int? CheckId(int? id, string field) =>
            id is int i && (i < 0 || i >= n) ? throw new ModelLoadException(Where, $"field 'tokenizer.ggml.{field}' = {i} is outside 0..{n - 1}") : id;
        int? bos = CheckId(vocabulary.BosId, "bos_token_id");
        int? eos = CheckId(vocabulary.EosId, "eos_token_id");
        int? unk = CheckId(vocabulary.UnknownId, "unknown_token_id");
        int? eot = CheckId(vocabulary.EotId, "eot_token_id");
        var types = vocabulary.TokenTypes ?? Enumerable.Repeat(TokenTypes.Normal, n).ToArray();

        switch (vocabulary.Model)
        {
            case "llama":
                return new SentencePieceTokenizer(new SentencePieceOptions
                {
                    Pieces = tokens,
                    Scores = vocabulary.Scores ?? new float[n],
                    Types = types,
                    AddDummyPrefix = vocabulary.AddSpacePrefix ?? true,
                    ByteFallback = true,
                    UnknownId = unk,
                    BosId = bos,
                    EosIds = EndOfGeneration.Ids(eos, eot, Specials(tokens, types)),
                    AddBos = vocabulary.AddBos ?? true,
                    AddEos = vocabulary.AddEos ?? false,
                });
            case "gpt2":
            {
                var merges = vocabulary.Merges ?? throw new ModelLoadException(Where, "field 'tokenizer.ggml.merges' is missing (required for model 'gpt2')");
                var ids = new Dictionary<string, int>(n, StringComparer.Ordinal);
                for (int i = 0; i < n; i++)
                {
                    ids.TryAdd(tokens[i], i);
                }

                var ranks = new Dictionary<(int, int), int>(merges.Length);
                for (int r = 0; r < merges.Length; r++)
                {
                    int space = merges[r].IndexOf(' ', 1);
                    if (space < 0 || !ids.TryGetValue(merges[r][..space], out int a) || !ids.TryGetValue(merges[r][(space + 1)..], out int b))
                    {
                        throw new ModelLoadException(Where, $"field 'tokenizer.ggml.merges[{r}]' = '{merges[r]}' is not two vocabulary tokens separated by a space");
                    }

                    ranks.TryAdd((a, b), r);
                }

                var added = new List<AddedToken>();
                for (int i = 0; i < n; i++)
                {
                    if (types[i] is TokenTypes.Control or TokenTypes.Unknown or TokenTypes.UserDefined)
                    {
                        added.Add(new AddedToken(i, tokens[i], types[i] != TokenTypes.UserDefined));
                    }
                }

                return new ByteLevelBpeTokenizer(new ByteLevelBpeOptions
                {
                    Tokens = tokens,
                    MergeRanks = ranks,
                    PreTokenizers = PreTokenizerPatterns.ForGgufPre(vocabulary.Pre),

                    // llama.cpp, like LLaMA 3's tokenizer.json, takes a piece that is already a token whole.
                    IgnoreMerges = vocabulary.Pre is "llama3" or "llama-bpe" or "llama-v3",
                    AddedTokens = added,
                    BosId = bos,
                    EosIds = EndOfGeneration.Ids(eos, eot, Specials(tokens, types)),
                    AddBos = vocabulary.AddBos ?? false,
                    AddEos = vocabulary.AddEos ?? false,
                });
            }

            default:
                throw new NotSupportedException($"tokenizer.ggml.model '{vocabulary.Model}' is not supported (supported: llama, gpt2)");
        }
    }

    private static IEnumerable<(int Id, string Text)> Specials(string[] tokens, int[] types)
    {
        for (int i = 0; i < tokens.Length; i++)
        {
            if (types[i] == TokenTypes.Control)
            {
                yield return (i, tokens[i]);
            }
        }
    }
}
