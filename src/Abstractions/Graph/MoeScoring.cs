namespace LlmFramework.Abstractions.Graph;

/// <summary>How <see cref="OpKind.MoeRoute"/> turns router logits into expert scores (contract 1.2).</summary>
public enum MoeScoring
{
    /// <summary>Softmax over the experts of a token.</summary>
    Softmax = 0,

    /// <summary>Sigmoid of each logit.</summary>
    Sigmoid = 1,
}
