namespace LlmFramework.Engine.Generation;

/// <summary>Log-softmax figures of one row of logits: the chosen token's and the top few.</summary>
internal static class LogprobCalculator
{
    public static TokenLogprobs Compute(ReadOnlySpan<float> logits, int token, int top)
    {
        float max = float.NegativeInfinity;
        foreach (float v in logits)
        {
            max = Math.Max(max, v);
        }

        double sum = 0;
        foreach (float v in logits)
        {
            sum += Math.Exp(v - max);
        }

        float logZ = max + (float)Math.Log(sum);
        if (top == 0)
        {
            return new TokenLogprobs(token, logits[token] - logZ, []);
        }

        // The top ids by logit (ties to the lower id), kept sorted in a small array: O(V * top) at worst, top <= 20.
        top = Math.Min(top, logits.Length);
        int[] ids = new int[top];
        int filled = 0;
        for (int id = 0; id < logits.Length; id++)
        {
            float v = logits[id];
            if (filled == top && !(v > logits[ids[top - 1]]))
            {
                continue;
            }

            int at = filled < top ? filled++ : top - 1;
            while (at > 0 && v > logits[ids[at - 1]])
            {
                ids[at] = ids[at - 1];
                at--;
            }

            ids[at] = id;
        }

        var result = new TopLogprob[top];
        for (int i = 0; i < top; i++)
        {
            result[i] = new TopLogprob(ids[i], logits[ids[i]] - logZ);
        }

        return new TokenLogprobs(token, logits[token] - logZ, result);
    }
}
