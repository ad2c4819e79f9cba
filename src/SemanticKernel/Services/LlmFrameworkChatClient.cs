using System.Runtime.CompilerServices;
using LlmFramework.Engine.Generation;
using LlmFramework.SemanticKernel.Core;
using LlmFramework.SemanticKernel.Settings;
using Microsoft.Extensions.AI;
using EngineFinishReason = LlmFramework.Engine.Generation.FinishReason;

namespace LlmFramework.SemanticKernel.Services;

/// <summary>
/// An <see cref="IChatClient"/> over the in-process engine. The messages go through the model's chat template; the
/// <see cref="ChatOptions"/> sampling fields override the configuration's LlmFramework:Generation defaults. Text the
/// model writes between <c>&lt;think&gt;</c> tags comes back as <see cref="TextReasoningContent"/>. Cancelling a
/// request (or abandoning a stream) stops its generation at the engine's next step and frees its KV-cache blocks.
/// </summary>
public sealed class LlmFrameworkChatClient : IChatClient
{
    private readonly InProcessEngine _engine;
    private readonly bool _ownsEngine;
    private readonly ChatClientMetadata _metadata;

    /// <summary>A client over a running engine, which the caller keeps and disposes.</summary>
    public LlmFrameworkChatClient(InProcessEngine engine)
        : this(engine, ownsEngine: false)
    {
    }

    /// <summary>Starts an engine from <paramref name="options"/> (null = the default model) that this client owns and disposes.</summary>
    public LlmFrameworkChatClient(LlmFrameworkInProcessOptions? options = null)
        : this(InProcessEngine.Start(options), ownsEngine: true)
    {
    }

    private LlmFrameworkChatClient(InProcessEngine engine, bool ownsEngine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _ownsEngine = ownsEngine;
        _metadata = new ChatClientMetadata("LlmFramework", new Uri(Path.GetFullPath(engine.Runtime.ModelPath)), engine.ModelId);
    }

    /// <summary>The engine this client runs on.</summary>
    public InProcessEngine Engine => _engine;

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        GenerationRequest request = GenerationRequestFactory.Create(_engine, messages, options);
        string responseId = "chatcmpl-" + Guid.NewGuid().ToString("N");
        DateTimeOffset created = DateTimeOffset.UtcNow;
        var splitter = new ReasoningTextSplitter();

        // Linked so that a consumer that stops reading (breaks out of the loop) also stops the generation.
        using var generation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await foreach (GenerationChunk chunk in _engine.Engine.GenerateAsync(request, generation.Token).ConfigureAwait(false))
            {
                // Nothing more after the caller cancelled (chunks already queued are dropped); the engine frees the
                // generation's blocks at its next step.
                cancellationToken.ThrowIfCancellationRequested();

                (string answer, string reasoning) = splitter.Push(chunk.Text);
                var contents = new List<AIContent>(3);
                if (chunk.FinishReason is EngineFinishReason finish)
                {
                    (string lastAnswer, string lastReasoning) = splitter.Flush();
                    AddText(contents, answer + lastAnswer, reasoning + lastReasoning);
                    contents.Add(new UsageContent(new UsageDetails
                    {
                        InputTokenCount = chunk.PromptTokens,
                        OutputTokenCount = chunk.CompletionTokens,
                        TotalTokenCount = chunk.PromptTokens + chunk.CompletionTokens,
                    }));
                    yield return Update(contents, responseId, created, FinishReasons.FromEngine(finish));
                    yield break;
                }

                AddText(contents, answer, reasoning);
                if (contents.Count > 0)
                {
                    yield return Update(contents, responseId, created, finishReason: null);
                }
            }
        }
        finally
        {
            await generation.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        ClientServices.Get(this, serviceType, serviceKey, _metadata, _engine);

    /// <summary>Disposes the engine when this client started it.</summary>
    public void Dispose()
    {
        if (_ownsEngine)
        {
            _engine.Dispose();
        }
    }

    private static void AddText(List<AIContent> contents, string answer, string reasoning)
    {
        if (reasoning.Length > 0)
        {
            contents.Add(new TextReasoningContent(reasoning));
        }

        if (answer.Length > 0)
        {
            contents.Add(new TextContent(answer));
        }
    }

    private ChatResponseUpdate Update(List<AIContent> contents, string responseId, DateTimeOffset created, ChatFinishReason? finishReason) => new(ChatRole.Assistant, contents)
    {
        ResponseId = responseId,
        MessageId = responseId,
        CreatedAt = created,
        ModelId = _engine.ModelId,
        FinishReason = finishReason,
    };
}
