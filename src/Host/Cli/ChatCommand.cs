using System.CommandLine;
using System.Text;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Engine.Generation;
using LlmFramework.Host.Runtime;

namespace LlmFramework.Host.Cli;

/// <summary>`chat`: an interactive chat using the model's chat template. Type /exit (or end input) to leave, /reset to start over.</summary>
internal static class ChatCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var sampling = new SamplingFlags();
        var system = new Option<string?>("--system") { Description = "System message" };
        var command = new Command("chat", "Chat interactively with the model (uses its chat template)");
        common.AddTo(command);
        sampling.AddTo(command);
        command.Options.Add(system);
        command.SetAction((parse, cancellationToken) => Task.FromResult(CliRunner.Run(() =>
        {
            using CliSession session = CliSession.Open(parse, common, hotReload: true);
            ModelRuntime runtime = session.Runtime;
            IChatTemplate template = ChatPrompts.TemplateOf(runtime.Model);
            if (runtime.Model.ChatTemplate is null)
            {
                Console.Error.WriteLine("(the model has no chat template; using a plain 'User:/Assistant:' format)");
            }

            var messages = new List<ChatMessage>();
            string? systemMessage = parse.GetValue(system);
            if (!string.IsNullOrEmpty(systemMessage))
            {
                messages.Add(new ChatMessage("system", systemMessage));
            }

            int firstUser = messages.Count;
            Console.Error.WriteLine("chat: type a message, /reset to start over, /exit to quit");
            while (!cancellationToken.IsCancellationRequested)
            {
                Console.Write("> ");
                string? line = Console.ReadLine();
                if (line is null || line.Trim() == "/exit")
                {
                    break;
                }

                if (line.Trim() == "/reset")
                {
                    messages.RemoveRange(firstUser, messages.Count - firstUser);
                    continue;
                }

                if (line.Length == 0)
                {
                    continue;
                }

                messages.Add(new ChatMessage("user", line));
                string prompt = template.Render(messages, addGenerationPrompt: true);
                var request = new GenerationRequest
                {
                    PromptTokens = ChatPrompts.Encode(runtime.Model, prompt),
                    Sampling = sampling.Sampling(parse, session.Options.Generation),
                    MaxTokens = sampling.MaxTokensOr(parse, session.Options.Generation),
                    StopStrings = [.. sampling.StopStrings(parse, session.Options.Generation), .. ChatPrompts.StopsOf(template)],
                };
                var reply = new StringBuilder();
                GenerateCommand.StreamToConsole(runtime, request, echo: null, cancellationToken, reply, trimStart: true);
                messages.Add(new ChatMessage("assistant", reply.ToString().Trim()));
            }

            return 0;
        })));
        return command;
    }
}
