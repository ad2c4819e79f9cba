using System.CommandLine;
using LlmFramework.Training.Distillation;
using LlmFramework.Training.Model;

namespace LlmFramework.Tools.Train;

/// <summary>`distill`: train a smaller student LLaMA from a teacher's logits.</summary>
internal static class DistillCommand
{
    public static Command Create()
    {
        var loop = new LoopFlags(steps: 600, lr: 2e-3, minLr: 2e-4, warmup: 50, weightDecay: 0.1, batch: 8, seqLen: 512);
        var teacher = new Option<string>("--teacher") { Description = "Teacher: a Hugging Face LLaMA folder with tokenizer.model", Required = true };
        var data = new Option<string>("--data") { Description = "A .txt file or a folder of .txt files", Required = true };
        var output = new Option<string>("--out") { Description = "Student folder to write (Hugging Face layout)", Required = true };
        var shape = new ShapeFlags(dim: 128, layers: 4, heads: 4, ffn: 344);
        var temperature = new Option<double>("--temperature") { Description = "Softmax temperature of the KL term", DefaultValueFactory = _ => 2.0 };
        var alpha = new Option<double>("--alpha") { Description = "Weight of the KL term (1 - alpha weighs the data loss)", DefaultValueFactory = _ => 0.5 };
        var holdout = new Option<double>("--holdout") { Description = "Fraction of the text held out at the end", DefaultValueFactory = _ => 0.02 };
        var evalWindow = new Option<int>("--eval-window") { Description = "Tokens per held-out window (as eval-ppl --window)", DefaultValueFactory = _ => 512 };
        var command = new Command("distill", "Distil a smaller student from a teacher's logits (KL on softened distributions, optionally mixed with the data loss)");
        foreach (Option option in new Option[] { teacher, data, output, temperature, alpha, holdout, evalWindow })
        {
            command.Options.Add(option);
        }

        shape.AddTo(command);
        loop.AddTo(command);
        command.SetAction(parse => ToolRunner.Run(() =>
        {
            var options = new DistillOptions
            {
                Teacher = parse.GetValue(teacher)!,
                Data = parse.GetValue(data)!,
                Output = parse.GetValue(output)!,
                CheckpointDirectory = parse.GetValue(loop.CheckpointDir),
                Temperature = parse.GetValue(temperature),
                Alpha = parse.GetValue(alpha),
                HeldOutFraction = parse.GetValue(holdout),
                EvalWindow = parse.GetValue(evalWindow),
                BatchSize = parse.GetValue(loop.Batch),
                SequenceLength = parse.GetValue(loop.SeqLen),
                Seed = parse.GetValue(loop.Seed),
                Threads = parse.GetValue(loop.Threads),
                Resume = parse.GetValue(loop.Resume),
                Loop = loop.Settings(parse),
            };
            LlamaTrainingConfig student = shape.Config(parse);
            (double Teacher, double Student)? result = DistillationRun.Run(options, student, Console.Out);
            if (result is { } r)
            {
                Console.WriteLine(FormattableString.Invariant($"teacher perplexity: {r.Teacher:F4}"));
                Console.WriteLine(FormattableString.Invariant($"student perplexity: {r.Student:F4}"));
            }

            return 0;
        }));
        return command;
    }
}
