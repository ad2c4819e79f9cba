namespace LlmFramework.Tokenizers.PreTokenization;

/// <summary>Applies a split behaviour to a list of (match?, range) spans, as Hugging Face's NormalizedString.split.</summary>
internal static class PatternSplitter
{
    public static void Apply(List<(int Start, int Length, bool IsMatch)> spans, SplitBehavior behavior, List<(int Start, int Length)> output)
    {
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                foreach (var s in spans)
                {
                    output.Add((s.Start, s.Length));
                }

                break;
            case SplitBehavior.Removed:
                foreach (var s in spans)
                {
                    if (!s.IsMatch)
                    {
                        output.Add((s.Start, s.Length));
                    }
                }

                break;
            case SplitBehavior.Contiguous:
                for (int i = 0; i < spans.Count;)
                {
                    int j = i + 1, end = spans[i].Start + spans[i].Length;
                    while (spans[i].IsMatch && j < spans.Count && spans[j].IsMatch)
                    {
                        end = spans[j].Start + spans[j].Length;
                        j++;
                    }

                    output.Add((spans[i].Start, end - spans[i].Start));
                    i = j;
                }

                break;
            case SplitBehavior.MergedWithPrevious:
            {
                int? pendingStart = null;
                int pendingEnd = 0;
                foreach (var s in spans)
                {
                    if (s.IsMatch && pendingStart is not null)
                    {
                        pendingEnd = s.Start + s.Length;
                        output.Add((pendingStart.Value, pendingEnd - pendingStart.Value));
                        pendingStart = null;
                    }
                    else
                    {
                        if (pendingStart is not null)
                        {
                            output.Add((pendingStart.Value, pendingEnd - pendingStart.Value));
                        }

                        if (s.IsMatch)
                        {
                            output.Add((s.Start, s.Length));
                            pendingStart = null;
                        }
                        else
                        {
                            pendingStart = s.Start;
                            pendingEnd = s.Start + s.Length;
                        }
                    }
                }

                if (pendingStart is not null)
                {
                    output.Add((pendingStart.Value, pendingEnd - pendingStart.Value));
                }

                break;
            }

            case SplitBehavior.MergedWithNext:
            {
                int? pendingStart = null;
                foreach (var s in spans)
                {
                    if (s.IsMatch)
                    {
                        if (pendingStart is not null)
                        {
                            output.Add((pendingStart.Value, s.Start - pendingStart.Value));
                        }

                        pendingStart = s.Start;
                    }
                    else
                    {
                        int start = pendingStart ?? s.Start;
                        output.Add((start, s.Start + s.Length - start));
                        pendingStart = null;
                    }
                }

                if (pendingStart is not null)
                {
                    var last = spans[^1];
                    output.Add((pendingStart.Value, last.Start + last.Length - pendingStart.Value));
                }

                break;
            }
        }
    }
}
