using System.CommandLine;
using LlmFramework.Training.Lora;
using LlmFramework.Training.Training;

namespace LlmFramework.Tools.Train;

/// <summary>`finetune`: LoRA fine-tuning of a Hugging Face LLaMA folder on text or chat data; writes a PEFT adapter.</summary>
internal static class FinetuneCommand
{
    public static Command Create()
    {
        var loop = new LoopFlags(steps: 200, lr: 1e-3, minLr: 1e-4, warmup: 20, weightDecay: 0, batch: 8, seqLen: 256);
        var baseModel = new Option<string>("--base") { Description = "Base model: a Hugging Face LLaMA folder", Required = true };
        var text = new Option<string?>("--text") { Description = "Plain-text data: a .txt file or folder" };
        var chat = new Option<string?>("--chat") { Description = "Chat data: JSONL, one {\"messages\": [...]} per line (loss on assistant tokens)" };
        var output = new Option<string>("--out") { Description = "Adapter folder to write (PEFT layout)", Required = true };
        var rank = new Option<int>("--rank") { Description = "LoRA rank r", DefaultValueFactory = _ => 8 };
        var alpha = new Option<double>("--alpha") { Description = "lora_alpha (updates scaled by alpha / r)", DefaultValueFactory = _ => 16 };
        var dropout = new Option<double>("--dropout") { Description = "Dropout on the adapter input", DefaultValueFactory = _ => 0.05 };
        var targets = new Option<string>("--targets") { Description = "Comma-separated projections: q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj", DefaultValueFactory = _ => "q_proj,k_proj,v_proj,o_proj" };
        var holdout = new Option<double>("--holdout") { Description = "Fraction of the data held out to compare perplexity before and after", DefaultValueFactory = _ => 0.1 };
        var command = new Command("finetune", "LoRA fine-tuning of a LLaMA-family model; writes a PEFT adapter");
        foreach (Option option in new Option[] { baseModel, text, chat, output, rank, alpha, dropout, targets, holdout })
        {
            command.Options.Add(option);
        }

        loop.AddTo(command);
        command.SetAction(parse => ToolRunner.Run(() =>
        {
            var options = new LoraOptions
            {
                BaseModel = parse.GetValue(baseModel)!,
                Text = parse.GetValue(text),
                Chat = parse.GetValue(chat),
                Output = parse.GetValue(output)!,
                CheckpointDirectory = parse.GetValue(loop.CheckpointDir),
                Rank = parse.GetValue(rank),
                Alpha = parse.GetValue(alpha),
                Dropout = parse.GetValue(dropout),
                TargetModules = [.. parse.GetValue(targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
                HeldOutFraction = parse.GetValue(holdout),
                BatchSize = parse.GetValue(loop.Batch),
                SequenceLength = parse.GetValue(loop.SeqLen),
                Seed = parse.GetValue(loop.Seed),
                Threads = parse.GetValue(loop.Threads),
                Resume = parse.GetValue(loop.Resume),
                Loop = loop.Settings(parse),
            };
            (double Before, double After)? result = LoraFinetuneRun.Run(options, Console.Out);
            if (result is { } r)
            {
                Console.WriteLine(FormattableString.Invariant($"perplexity before: {r.Before:F4}"));
                Console.WriteLine(FormattableString.Invariant($"perplexity after: {r.After:F4}"));
            }

            return 0;
        }));
        return command;
    }
}
