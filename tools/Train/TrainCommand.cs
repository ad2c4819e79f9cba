using System.CommandLine;
using LlmFramework.Training.Model;
using LlmFramework.Training.Training;

namespace LlmFramework.Tools.Train;

/// <summary>`train`: pre-train a LLaMA model from scratch on a .txt file or folder.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var loop = new LoopFlags(steps: 3000, lr: 2e-3, minLr: 2e-4, warmup: 100, weightDecay: 0.1, batch: 16, seqLen: 256);
        var data = new Option<string>("--data") { Description = "A .txt file or a folder of .txt files", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "SentencePiece tokenizer.model", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder (Hugging Face layout)", Required = true };
        var shape = new ShapeFlags(dim: 256, layers: 6, heads: 8, ffn: 688);
        var context = new Option<int>("--context") { Description = "Context length (max_position_embeddings)", DefaultValueFactory = _ => 512 };
        var ropeTheta = new Option<float>("--rope-theta") { Description = "RoPE base", DefaultValueFactory = _ => 10000f };
        var holdout = new Option<double>("--holdout") { Description = "Fraction of the text held out at the end", DefaultValueFactory = _ => 0.02 };
        var evalWindows = new Option<int>("--eval-windows") { Description = "Windows scored by each quick held-out evaluation", DefaultValueFactory = _ => 16 };
        var evalWindow = new Option<int>("--eval-window") { Description = "Tokens per held-out window (as eval-ppl --window)", DefaultValueFactory = _ => 512 };
        var command = new Command("train", "Pre-train a LLaMA model from scratch with TorchSharp");
        foreach (Option option in new Option[] { data, tokenizer, output, context, ropeTheta, holdout, evalWindows, evalWindow })
        {
            command.Options.Add(option);
        }

        shape.AddTo(command);
        loop.AddTo(command);
        command.SetAction(parse => ToolRunner.Run(() =>
        {
            LlamaTrainingConfig config = shape.Config(parse) with
            {
                ContextLength = parse.GetValue(context),
                RopeTheta = parse.GetValue(ropeTheta),
            };
            var options = new TrainOptions
            {
                Data = parse.GetValue(data)!,
                Tokenizer = parse.GetValue(tokenizer)!,
                Output = parse.GetValue(output)!,
                CheckpointDirectory = parse.GetValue(loop.CheckpointDir),
                BatchSize = parse.GetValue(loop.Batch),
                SequenceLength = parse.GetValue(loop.SeqLen),
                HeldOutFraction = parse.GetValue(holdout),
                EvalWindows = parse.GetValue(evalWindows),
                EvalWindow = parse.GetValue(evalWindow),
                Seed = parse.GetValue(loop.Seed),
                Threads = parse.GetValue(loop.Threads),
                Resume = parse.GetValue(loop.Resume),
                Loop = loop.Settings(parse),
            };
            double? perplexity = PretrainingRun.Run(options, config, Console.Out);
            if (perplexity is double p)
            {
                Console.WriteLine(FormattableString.Invariant($"perplexity: {p:F4}"));
            }

            return 0;
        }));
        return command;
    }
}
