using System.Collections.Concurrent;
using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;

namespace LlmFramework.Parity.Tests;

/// <summary>
/// llama.cpp (through LLamaSharp 0.30, CPU build) as the reference engine: loads a GGUF on the CPU only, with
/// no memory mapping, and evaluates token ids directly (no tokenizer, no sampling pipeline).
/// </summary>
/// <remarks>
/// Logits come straight from <c>llama_get_logits_ith</c>: llama.cpp applies logit bias, penalties and
/// temperature only inside its sampler chain, which this class never builds, so they are the raw output of the
/// final matmul. One instance owns one llama.cpp context with a single sequence (id 0); every call starts from
/// an empty KV cache. Not thread-safe.
/// </remarks>
public sealed class LlamaCppReference : IDisposable
{
    private static readonly Lock s_initLock = new();
    private static readonly ConcurrentQueue<string> s_recentErrors = new();
    private static bool s_initialised;

    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();
    private readonly string _path;

    /// <summary>
    /// Loads <paramref name="ggufPath"/> into memory (no mmap) with <paramref name="threads"/> threads for both
    /// single-token and batch evaluation and a context of <paramref name="contextSize"/> positions.
    /// </summary>
    /// <param name="ggufPath">The GGUF file.</param>
    /// <param name="threads">Threads for llama.cpp's compute graph (prefill and decode).</param>
    /// <param name="contextSize">KV-cache positions; also the largest batch accepted in one call.</param>
    /// <param name="exactAttention">
    /// True (parity): the KV cache is stored in F32 and flash attention is off, so attention is computed in F32
    /// like a straightforward implementation. False (benchmark): llama.cpp's defaults (F16 KV cache, flash
    /// attention chosen automatically), i.e. what a llama.cpp user gets.
    /// </param>
    public LlamaCppReference(string ggufPath, int threads, int contextSize = 512, bool exactAttention = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ggufPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextSize, 1);
        if (!File.Exists(ggufPath))
        {
            throw new FileNotFoundException($"GGUF file '{ggufPath}' does not exist", ggufPath);
        }

        EnsureNativeInitialised();
        _path = ggufPath;
        var parameters = new ModelParams(ggufPath)
        {
            ContextSize = (uint)contextSize,
            BatchSize = (uint)contextSize,
            UBatchSize = (uint)Math.Min(contextSize, 512),
            SeqMax = 1,
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
            LoadMode = LLamaLoadMode.None,
            Embeddings = false,
        };
        if (exactAttention)
        {
            parameters.TypeK = GGMLType.GGML_TYPE_F32;
            parameters.TypeV = GGMLType.GGML_TYPE_F32;
            parameters.FlashAttention = false;
        }

        s_recentErrors.Clear();
        try
        {
            _weights = LLamaWeights.LoadFromFile(parameters);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidOperationException(
                $"llama.cpp could not load '{ggufPath}': {ex.Message} {RecentErrors()}", ex);
        }

        try
        {
            _context = _weights.CreateContext(parameters);
        }
        catch
        {
            _weights.Dispose();
            throw;
        }

        VocabSize = _weights.Vocab.Count;
        Threads = threads;
        ContextSize = contextSize;
    }

    /// <summary>Vocabulary size (the length of every logits vector).</summary>
    public int VocabSize { get; }

    /// <summary>Compute threads in use.</summary>
    public int Threads { get; }

    /// <summary>KV-cache positions.</summary>
    public int ContextSize { get; }

    /// <summary>Size of the weights as llama.cpp counts them, in bytes.</summary>
    public long WeightBytes => (long)_weights.SizeInBytes;

    /// <summary>llama.cpp's token ids for <paramref name="text"/>: BOS first when <paramref name="addBos"/>, special-token text parsed.</summary>
    public int[] Tokenize(string text, bool addBos = true) => [.. _context.Tokenize(text, addBos, special: true).Select(t => (int)t)];

    /// <summary>Evaluates <paramref name="tokenIds"/> as one batch from position 0 and returns the last position's logits.</summary>
    public float[] LastLogits(ReadOnlySpan<int> tokenIds)
    {
        ResetSequence();
        Evaluate(tokenIds, startPosition: 0);
        return _context.NativeHandle.GetLogitsIth(tokenIds.Length - 1).ToArray();
    }

    /// <summary>
    /// Greedy decoding of <paramref name="count"/> tokens after <paramref name="promptIds"/>: the prompt is one
    /// batch, then one token per step; each token is the argmax of the raw logits, the lowest id winning ties.
    /// </summary>
    public int[] Greedy(ReadOnlySpan<int> promptIds, int count) => Greedy(promptIds, count, out _);

    /// <summary>
    /// As <see cref="Greedy(ReadOnlySpan{int}, int)"/>, also returning for each step the gap between the best and
    /// the second-best logit (small gaps explain legitimate disagreements between engines).
    /// </summary>
    public int[] Greedy(ReadOnlySpan<int> promptIds, int count, out float[] topGaps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ResetSequence();
        var result = new int[count];
        topGaps = new float[count];
        if (count == 0)
        {
            return result;
        }

        Evaluate(promptIds, startPosition: 0);
        int position = promptIds.Length;
        int lastIndex = promptIds.Length - 1;
        for (int step = 0; step < count; step++)
        {
            ReadOnlySpan<float> logits = _context.NativeHandle.GetLogitsIth(lastIndex);
            (int best, float gap) = ArgMaxWithGap(logits);
            result[step] = best;
            topGaps[step] = gap;
            if (step + 1 < count)
            {
                Evaluate([best], position);
                position++;
                lastIndex = 0;
            }
        }

        return result;
    }

    /// <summary>
    /// Measures prefill and decode speed once: the prompt as one batch (prefill tokens/s = prompt length /
    /// seconds), then <paramref name="genTokens"/> single-token evaluations each feeding the previous argmax
    /// (decode tokens/s = genTokens / seconds). Argmax time is included in decode, as in any greedy loop.
    /// </summary>
    public (double PrefillTps, double DecodeTps) Bench(ReadOnlySpan<int> promptIds, int genTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(genTokens, 1);
        ResetSequence();
        long start = Stopwatch.GetTimestamp();
        Evaluate(promptIds, startPosition: 0);
        double prefillSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        int position = promptIds.Length;
        int lastIndex = promptIds.Length - 1;
        start = Stopwatch.GetTimestamp();
        for (int step = 0; step < genTokens; step++)
        {
            int next = ArgMaxWithGap(_context.NativeHandle.GetLogitsIth(lastIndex)).Index;
            Evaluate([next], position);
            position++;
            lastIndex = 0;
        }

        double decodeSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return (promptIds.Length / prefillSeconds, genTokens / decodeSeconds);
    }

    /// <summary>Index of the largest value (lowest index on ties) and its lead over the runner-up.</summary>
    public static (int Index, float Gap) ArgMaxWithGap(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty)
        {
            throw new ArgumentException("logits are empty", nameof(logits));
        }

        int best = 0;
        float bestValue = logits[0];
        float second = float.NegativeInfinity;
        for (int i = 1; i < logits.Length; i++)
        {
            float v = logits[i];
            if (v > bestValue)
            {
                second = bestValue;
                bestValue = v;
                best = i;
            }
            else if (v > second)
            {
                second = v;
            }
        }

        return (best, bestValue - second);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }

    private void ResetSequence() => _context.NativeHandle.MemoryClear(data: true);

    private void Evaluate(ReadOnlySpan<int> tokenIds, int startPosition)
    {
        if (tokenIds.IsEmpty)
        {
            throw new ArgumentException("at least one token is needed", nameof(tokenIds));
        }

        if (startPosition + tokenIds.Length > ContextSize)
        {
            throw new ArgumentException(
                $"{startPosition + tokenIds.Length} positions exceed the context size {ContextSize} of '{_path}'",
                nameof(tokenIds));
        }

        _batch.Clear();
        for (int i = 0; i < tokenIds.Length; i++)
        {
            int id = tokenIds[i];
            if ((uint)id >= (uint)VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(tokenIds), $"token id {id} is outside the vocabulary (0..{VocabSize - 1}) of '{_path}'");
            }

            _batch.Add(id, startPosition + i, LLamaSeqId.Zero, logits: i == tokenIds.Length - 1);
        }

        DecodeResult result = _context.NativeHandle.Decode(_batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode failed with {result} on '{_path}'. {RecentErrors()}");
        }
    }

    /// <summary>The last few llama.cpp warnings and errors, for exception messages (empty when none).</summary>
    internal static string RecentErrors() =>
        s_recentErrors.IsEmpty ? string.Empty : "llama.cpp said: " + string.Join(" | ", s_recentErrors);

    /// <summary>Routes llama.cpp's log to nowhere, keeping the last few warnings and errors for exception messages.</summary>
    internal static void EnsureNativeInitialised()
    {
        lock (s_initLock)
        {
            if (s_initialised)
            {
                return;
            }

            NativeLogConfig.LLamaLogCallback callback = static (level, message) =>
            {
                if (level is LLamaLogLevel.Error or LLamaLogLevel.Warning)
                {
                    s_recentErrors.Enqueue(message.TrimEnd());
                    while (s_recentErrors.Count > 8 && s_recentErrors.TryDequeue(out _))
                    {
                    }
                }
            };
            if (NativeLibraryConfig.LLama.LibraryHasLoaded)
            {
                NativeLogConfig.llama_log_set(callback);
            }
            else
            {
                NativeLibraryConfig.All.WithLogCallback(callback);
            }

            s_initialised = true;
        }
    }
}
