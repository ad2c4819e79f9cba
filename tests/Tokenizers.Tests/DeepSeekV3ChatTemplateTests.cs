using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Tokenizers.Checkpoints;

namespace LlmFramework.Tokenizers.Tests;

/// <summary>
/// DeepSeek-V3's chat template (tokenizer_config.json) rendered by our Jinja engine. The expected strings follow the
/// template's logic and are the ones Python's jinja2 3.1 renders, set up as transformers sets it up (trim_blocks,
/// lstrip_blocks, loop controls, bos_token and eos_token).
/// </summary>
public sealed class DeepSeekV3ChatTemplateTests
{
    private const string Bos = "<｜begin▁of▁sentence｜>";

    private static readonly Lazy<IChatTemplate> V3 = new(() => CheckpointTokenizerLoader.FromFolder(TestData.DeepSeekFolder).ChatTemplate!);

    [Fact]
    public void System_and_user_with_and_without_the_generation_prompt()
    {
        ChatMessage[] chat = [new("system", "You are a helpful assistant."), new("user", "What is 2+2?")];
        Assert.Equal(Bos + "You are a helpful assistant.<｜User｜>What is 2+2?<｜Assistant｜>", V3.Value.Render(chat));
        Assert.Equal(Bos + "You are a helpful assistant.<｜User｜>What is 2+2?", V3.Value.Render(chat, addGenerationPrompt: false));
    }

    [Fact]
    public void A_multi_turn_conversation_closes_each_assistant_turn_with_eos()
    {
        ChatMessage[] chat = [new("user", "Hi there"), new("assistant", "Hello! How can I help?"), new("user", "Tell me a joke.")];
        Assert.Equal(
            Bos + "<｜User｜>Hi there<｜Assistant｜>Hello! How can I help?<｜end▁of▁sentence｜><｜User｜>Tell me a joke.<｜Assistant｜>",
            V3.Value.Render(chat));
        Assert.Equal(
            Bos + "<｜User｜>q<｜Assistant｜>a<｜end▁of▁sentence｜>",
            V3.Value.Render([new("user", "q"), new("assistant", "a")], addGenerationPrompt: false));
    }

    [Fact]
    public void System_messages_are_gathered_in_front_wherever_they_stand()
    {
        Assert.Equal(
            Bos + "A\n\nB<｜User｜>u<｜Assistant｜>",
            V3.Value.Render([new("system", "A"), new("user", "u"), new("system", "B")]));
        Assert.Equal(Bos + "<｜Assistant｜>", V3.Value.Render([]));
    }

    [Fact]
    public void Content_is_copied_verbatim_with_its_white_space()
    {
        Assert.Equal(
            Bos + "<｜User｜>line1\nline2\n\n  indented\ttab<｜Assistant｜>ok\n<｜end▁of▁sentence｜><｜Assistant｜>",
            V3.Value.Render([new("user", "line1\nline2\n\n  indented\ttab"), new("assistant", "ok\n")]));
    }

    [Fact]
    public void V3_keeps_an_assistant_reasoning_part_and_R1_drops_it()
    {
        // DeepSeek-V3's template has no </think> handling: the reasoning stays in the history.
        ChatMessage[] chat = [new("user", "2+2?"), new("assistant", "<think>\nadd them\n</think>\n\n4"), new("user", "3+3?")];
        Assert.Equal(
            Bos + "<｜User｜>2+2?<｜Assistant｜><think>\nadd them\n</think>\n\n4<｜end▁of▁sentence｜><｜User｜>3+3?<｜Assistant｜>",
            V3.Value.Render(chat));

        // DeepSeek-R1's template is V3's with two edits: keep what follows the last </think>, and open a <think> block.
        var r1 = new JinjaChatTemplate(R1Template(), Bos, "<｜end▁of▁sentence｜>");
        Assert.Equal(
            Bos + "<｜User｜>2+2?<｜Assistant｜>\n\n4<｜end▁of▁sentence｜><｜User｜>3+3?<｜Assistant｜><think>\n",
            r1.Render(chat));
    }

    [Fact]
    public void One_tool_call_then_its_output_and_the_answer()
    {
        var messages = new List<object?>
        {
            Message("user", "Weather in Paris?"),
            ToolCalls(("get_weather", "{\"city\": \"Paris\"}")),
            Message("tool", "{\"temp\": 21}"),
            Message("assistant", "It is 21 degrees."),
        };

        // With a single call the template never writes <｜tool▁calls▁end｜> (it does so only after a second call).
        Assert.Equal(
            Bos + "<｜User｜>Weather in Paris?" +
            "<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜>" +
            "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>{\"temp\": 21}<｜tool▁output▁end｜>" +
            "<｜tool▁outputs▁end｜>It is 21 degrees.<｜end▁of▁sentence｜><｜Assistant｜>",
            Render(messages, addGenerationPrompt: true));
    }

    [Fact]
    public void Two_tool_calls_and_two_outputs_end_without_a_generation_prompt()
    {
        var messages = new List<object?>
        {
            Message("user", "Weather in Paris and Rome?"),
            ToolCalls(("get_weather", "{\"city\": \"Paris\"}"), ("get_weather", "{\"city\": \"Rome\"}")),
            Message("tool", "21"),
            Message("tool", "25"),
        };

        // After tool outputs the template closes them and adds no <｜Assistant｜>, even when asked for the prompt.
        Assert.Equal(
            Bos + "<｜User｜>Weather in Paris and Rome?" +
            "<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜>" +
            "\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Rome\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜>" +
            "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>21<｜tool▁output▁end｜>\n<｜tool▁output▁begin｜>25<｜tool▁output▁end｜><｜tool▁outputs▁end｜>",
            Render(messages, addGenerationPrompt: true));
    }

    [Fact]
    public void The_factory_and_the_checkpoint_loader_read_the_same_template()
    {
        var fromConfig = TokenizerFactory.ChatTemplateFromTokenizerConfig(TestData.DeepSeekTokenizerConfig)!;
        ChatMessage[] chat = [new("system", "S"), new("user", "Hi"), new("assistant", "Yo"), new("user", "Bye")];
        Assert.Equal(V3.Value.Render(chat), fromConfig.Render(chat));
        Assert.Equal(Bos + "S<｜User｜>Hi<｜Assistant｜>Yo<｜end▁of▁sentence｜><｜User｜>Bye<｜Assistant｜>", fromConfig.Render(chat));
    }

    /// <summary>DeepSeek-R1's template: V3's, stripping the reasoning from past answers and opening one for the next.</summary>
    internal static string R1Template()
    {
        string v3 = TokenizerConfig.Load(TestData.DeepSeekTokenizerConfig).ChatTemplate!;
        const string Answer = "{%- else %}{{'<｜Assistant｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}";
        const string Prompt = "{{'<｜Assistant｜>'}}{% endif %}";
        Assert.Contains(Answer, v3, StringComparison.Ordinal);
        Assert.Contains(Prompt, v3, StringComparison.Ordinal);
        return v3
            .Replace(Answer, "{%- else %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}", StringComparison.Ordinal)
            .Replace(Prompt, "{{'<｜Assistant｜><think>\\n'}}{% endif %}", StringComparison.Ordinal);
    }

    private static string Render(List<object?> messages, bool addGenerationPrompt) =>
        ((JinjaChatTemplate)V3.Value).Render(new Dictionary<string, object?> { ["messages"] = messages, ["add_generation_prompt"] = addGenerationPrompt });

    private static Dictionary<string, object?> Message(string role, string content) => new() { ["role"] = role, ["content"] = content };

    /// <summary>An assistant message with no content and these function calls, as OpenAI-style chat APIs send it.</summary>
    private static Dictionary<string, object?> ToolCalls(params (string Name, string Arguments)[] calls) => new()
    {
        ["role"] = "assistant",
        ["content"] = null,
        ["tool_calls"] = calls.Select(c => (object?)new Dictionary<string, object?>
        {
            ["type"] = "function",
            ["function"] = new Dictionary<string, object?> { ["name"] = c.Name, ["arguments"] = c.Arguments },
        }).ToList(),
    };
}
