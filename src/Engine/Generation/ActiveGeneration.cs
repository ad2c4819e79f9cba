using System.Threading.Channels;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Engine.Kv;
using LlmFramework.Engine.Sampling;
using LlmFramework.Engine.Text;

namespace LlmFramework.Engine.Generation;

/// <summary>The engine's state for one running generation.</summary>
internal sealed class ActiveGeneration
{
    private int[] _tokens;

    public ActiveGeneration(int sequenceId, GenerationRequest request, ITokenizer tokenizer, int vocabSize, CancellationToken cancellationToken)
    {
        SequenceId = sequenceId;
        ArrivalTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
        Request = request;
        CancellationToken = cancellationToken;
        _tokens = new int[Math.Max(16, request.PromptTokens.Count + Math.Min(request.MaxTokens, 4096))];
        for (int i = 0; i < request.PromptTokens.Count; i++)
        {
            _tokens[i] = request.PromptTokens[i];
        }

        TokenCount = request.PromptTokens.Count;
        Sampler = new Sampler(request.Sampling, vocabSize);
        // A prompt with text in it: the generated tokens continue that text, so their first space is kept.
        bool continuesText = request.PromptTokens.Any(t => !tokenizer.IsSpecial(t));
        Detokenizer = new IncrementalDetokenizer(tokenizer, request.SkipSpecialTokens, continuesText);
        Stops = new StopMatcher(request.StopStrings);
        Output = Channel.CreateUnbounded<GenerationChunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    }

    public int SequenceId { get; }

    /// <summary>Stopwatch timestamp of the request's arrival.</summary>
    public long ArrivalTimestamp { get; }

    /// <summary>Stopwatch timestamp of the latest generated token (0 before the first).</summary>
    public long LastTokenTimestamp { get; set; }

    /// <summary>The prompt was looked up in the prefix cache (counted once, not again after a preemption).</summary>
    public bool PrefixLookedUp { get; set; }

    /// <summary>Times this generation was preempted.</summary>
    public int Preemptions { get; set; }

    public GenerationRequest Request { get; }

    public CancellationToken CancellationToken { get; }

    public SequenceBlocks Blocks { get; } = new();

    public Sampler Sampler { get; }

    public IncrementalDetokenizer Detokenizer { get; }

    public StopMatcher Stops { get; }

    public Channel<GenerationChunk> Output { get; }

    /// <summary>Tokens in the cache (prompt tokens already prefilled + generated tokens already fed back).</summary>
    public int CachedTokens { get; set; }

    /// <summary>Prompt + generated tokens.</summary>
    public int TokenCount { get; private set; }

    public int PromptLength => Request.PromptTokens.Count;

    public int Generated => TokenCount - PromptLength;

    /// <summary>Tokens still to run through the model before the next token can be sampled (1 while decoding).</summary>
    public int Pending => TokenCount - CachedTokens;

    /// <summary>More than the last token is missing from the cache: a prompt, or a recompute after a preemption.</summary>
    public bool InPrefill => Pending > 1;

    public ReadOnlySpan<int> Tokens => _tokens.AsSpan(0, TokenCount);

    public void Append(int token)
    {
        if (TokenCount == _tokens.Length)
        {
            Array.Resize(ref _tokens, _tokens.Length * 2);
        }

        _tokens[TokenCount++] = token;
    }
}
