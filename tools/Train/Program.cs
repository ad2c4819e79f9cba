using System.CommandLine;

namespace LlmFramework.Tools.Train;

internal static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("llmf-train: train, fine-tune (LoRA) and distil LLaMA models with TorchSharp")
        {
            TrainCommand.Create(),
            FinetuneCommand.Create(),
            DistillCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
