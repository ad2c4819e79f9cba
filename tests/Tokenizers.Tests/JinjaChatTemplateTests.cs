using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Tokenizers.Tests;

public sealed class JinjaChatTemplateTests
{
    private static readonly ChatMessage[] SystemUserAssistantUser =
    [
        new("system", "You are helpful."),
        new("user", "Hi"),
        new("assistant", "Hello!"),
        new("user", "How are you?"),
    ];

    [Fact]
    public void Llama2_template_renders_the_system_block_inside_the_first_instruction()
    {
        var t = new JinjaChatTemplate(ChatTemplates.Llama2, "<s>", "</s>");
        Assert.Equal(
            "<s>[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] How are you? [/INST]",
            t.Render(SystemUserAssistantUser));
        Assert.Equal("<s>[INST] Hi [/INST]", t.Render([new("user", "  Hi ")]));
    }

    [Fact]
    public void Llama2_template_rejects_roles_out_of_turn()
    {
        var t = new JinjaChatTemplate(ChatTemplates.Llama2, "<s>", "</s>");
        var e = Assert.Throws<ChatTemplateException>(() => t.Render([new("user", "a"), new("user", "b")]));
        Assert.Contains("Conversation roles must alternate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mistral_template_renders_instructions_and_rejects_a_system_role()
    {
        var t = new JinjaChatTemplate(ChatTemplates.Mistral, "<s>", "</s>");
        Assert.Equal("<s>[INST] Hi [/INST]Hello!</s>[INST] How are you? [/INST]", t.Render(SystemUserAssistantUser[1..]));
        Assert.Throws<ChatTemplateException>(() => t.Render(SystemUserAssistantUser));
    }

    [Fact]
    public void Llama3_template_renders_headers_and_the_generation_prompt()
    {
        var t = new JinjaChatTemplate(ChatTemplates.Llama3, "<|begin_of_text|>", "<|eot_id|>");
        const string Expected =
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nHow are you?<|eot_id|>";
        Assert.Equal(Expected + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.Render(SystemUserAssistantUser));
        Assert.Equal(Expected, t.Render(SystemUserAssistantUser, addGenerationPrompt: false));
        Assert.Equal("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nx<|eot_id|>", t.Render([new("user", " x \n")], false));
    }

    [Fact]
    public void DeepSeekR1_style_think_stripping_works()
    {
        const string Template =
            "{% for message in messages %}{% if message['role'] == 'assistant' %}{% set content = message['content'] %}" +
            "{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}" +
            "{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{% else %}{{'<｜User｜>' + message['content']}}{% endif %}{% endfor %}" +
            "{% if add_generation_prompt %}{{'<｜Assistant｜><think>\\n'}}{% endif %}";
        var t = new JinjaChatTemplate(Template, "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>");
        Assert.Equal(
            "<｜User｜>q<｜Assistant｜>answer<｜end▁of▁sentence｜><｜User｜>q2<｜Assistant｜><think>\n",
            t.Render([new("user", "q"), new("assistant", "<think>hmm</think>answer"), new("user", "q2")]));
    }

    [Fact]
    public void TestVocabulary_config_template_is_the_llama2_template()
    {
        string dir = Directory.CreateTempSubdirectory("llmfw-jinja").FullName;
        try
        {
            string path = Path.Combine(dir, "tokenizer_config.json");
            File.WriteAllText(path, TestVocabulary.ToTokenizerConfigJson(TestVocabulary.Create(300)));
            var c = TokenizerConfig.Load(path);
            var t = new JinjaChatTemplate(c.ChatTemplate!, c.BosToken, c.EosToken);
            Assert.Equal("<s>[INST] Hi [/INST]", t.Render([new("user", "Hi")]));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Factory_builds_templates_from_gguf_and_tokenizer_config()
    {
        var fromGguf = TokenizerFactory.ChatTemplateFromGgufVocabulary(TestVocabulary.Create(300))!;
        Assert.Equal("<s>[INST] Hi [/INST] Yo </s>", fromGguf.Render([new("user", "Hi"), new("assistant", "Yo")]));
        Assert.Null(TokenizerFactory.ChatTemplateFromGgufVocabulary(TestVocabulary.Create(300) with { ChatTemplate = null }));
        var fromConfig = TokenizerFactory.ChatTemplateFromTokenizerConfig(TestData.DeepSeekTokenizerConfig)!;
        Assert.Equal("<｜begin▁of▁sentence｜><｜User｜>Hi<｜Assistant｜>", fromConfig.Render([new("user", "Hi")]));
        Assert.Null(TokenizerFactory.ChatTemplateFromTokenizerConfig(TestData.File("mistral-7b.tokenizer_config.json")));
    }

    [Theory]
    [InlineData("{%- if true -%}\n  x  \n{%- endif -%}\n", "x")]
    [InlineData("{% if true %}\nA\n{% endif %}\nB", "A\nB")]
    [InlineData("  {% if true %}x{% endif %}", "x")]
    [InlineData("a\n    {% if true %}\nb\n    {% endif %}\nc", "a\nb\nc")]
    [InlineData("{{ ' a ' }}  {{- 'b' }}", " a b")]
    [InlineData("{# comment #}x{#- c -#}  y", "xy")]
    [InlineData("{% for i in range(3) %}{{ loop.index0 }}{{ loop.index }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %},{% endfor %}", "01F,12,23L,")]
    [InlineData("{% set ns = namespace(n=0) %}{% for i in [1, 2, 3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}", "6")]
    [InlineData("{% set x = 1 %}{% for i in [1] %}{% set x = 5 %}{% endfor %}{{ x }}", "1")]
    [InlineData("{{ 'a' ~ 1 ~ none }}|{{ 'ab' + 'cd' }}|{{ 1 + 2 * 3 }}|{{ 7 // 2 }}|{{ 7 % 3 }}|{{ 7 / 2 }}", "a1None|abcd|7|3|1|3.5")]
    [InlineData("{{ 'x' if false else 'y' }}{{ 'z' if true }}", "yz")]
    [InlineData("{{ 'b' in 'abc' }}{{ 'q' not in ['q'] }}{{ 'k' in {'k': 1} }}", "TrueFalseTrue")]
    [InlineData("{{ u is defined }}{{ u is not defined }}{{ none is none }}{{ 1 is none }}{{ u | default('d') }}{{ '' | default('e', true) }}", "FalseTrueTrueFalsede")]
    [InlineData("{{ '  t  ' | trim }}|{{ [1, 2] | length }}|{{ 'héllo' | length }}|{{ 'AbC' | lower }}{{ 'x' | upper }}", "t|2|5|abcX")]
    [InlineData("{{ {'a': [1, 'x', none, true], 'b': 'é\"'} | tojson }}", "{\"a\": [1, \"x\", null, true], \"b\": \"é\\\"\"}")]
    [InlineData("{{ 'a,b,,c'.split(',') }}{{ ' x  y '.split() }}{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}", "['a', 'b', '', 'c']['x', 'y']TrueTrue")]
    [InlineData("{{ [1, 2, 3, 4][1:] }}{{ [1, 2, 3][-1] }}{{ 'hello'[::-1] }}{{ 'hello'[1:3] }}", "[2, 3, 4]3ollehel")]
    [InlineData("{{ ' a '.strip() }}{{ 'xxa'.lstrip('x') }}{{ 'a b'.replace(' ', '_') }}{{ 'hi'.title() }}", "aaa_bHi")]
    [InlineData("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}", "a=1;b=2;")]
    [InlineData("{% for m in ['a', 'b', 'c'] if m != 'b' %}{{ m }}{{ loop.length }}{% endfor %}", "a2c2")]
    [InlineData("{% for m in [] %}x{% else %}empty{% endfor %}", "empty")]
    [InlineData("{% if 1 == 2 %}a{% elif 2 == 2 and not false %}b{% else %}c{% endif %}", "b")]
    [InlineData("{% set s %}in{{ 1 }}{% endset %}{{ s }}", "in1")]
    [InlineData("{% macro greet(n, p='!') %}hi {{ n }}{{ p }}{% endmacro %}{{ greet('x') }}", "hi x!")]
    [InlineData("{{ messages | length }}{{ messages[0].role }}{{ messages[0]['content'] }}", "1userq")]
    [InlineData("{{ [3, 1] | first }}{{ [3, 1] | last }}{{ ['a', 'b'] | join('-') }}{{ true }}{{ 1.0 }}", "31a-bTrue1.0")]
    [InlineData("{{ -3 | abs }}{{ 3 | abs }}{{ -2.5 | abs }}{{ -[1, 2] | length if false else - 2 ** 2 }}", "332.54")]
    [InlineData("{% for i in range(5) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}", "02")]
    [InlineData("{% for i in range(2) %}{% for j in range(3) %}{% if j == 1 %}{% break %}{% endif %}{{ i }}{{ j }}{% endfor %};{% endfor %}", "00;10;")]
    [InlineData("{% for i in range(4) if i != 0 %}{% if loop.last %}{% break %}{% endif %}{{ loop.index }}{{ i }}{% endfor %}", "1122")]
    [InlineData("{{ 'a\\tb\\u00e9\\x41\\U0001F600\\d\\'\\\\' }}", "a\tbéA\U0001F600\\d'\\")]
    [InlineData("{{ 1e3 }}|{{ 2.5e-2 }}|{{ 1_000 }}|{{ 1.5E+2 }}", "1000.0|0.025|1000|150.0")]
    [InlineData("{{ {'a': {'b': 'c'}}.a.b }}{% set d = {'k': {'v': 1}} %}{{ d.k.v }}", "c1")]
    [InlineData("{{ [\"it's\", 'q\"', 'a\\nb', 'x\\\\y'] }}", "[\"it's\", 'q\"', 'a\\nb', 'x\\\\y']")]
    [InlineData("{{ '  a b  c '.split(None, 1) }}{{ 'a,b,c'.rsplit(',', 1) }}{{ ' a b  c '.rsplit(None, 1) }}{{ 'a,b'.rsplit(',') }}", "['a', 'b  c ']['a,b', 'c'][' a b', 'c']['a', 'b']")]
    [InlineData("{{ [3, 1, 2] | sort }}{{ ['b', 'A', 'c'] | sort(reverse=true) }}{{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}{{ [3, 1, 2] | max }}{{ [3, 1, 2] | min }}{{ [1, 2, 3] | sum }}{{ [1, 2] | sum(start=10) }}", "[1, 2, 3]['c', 'b', 'A']['A', 'b', 'c']31613")]
    [InlineData("{{ [{'n': 2}, {'n': 1}] | sort(attribute='n') | map(attribute='n') | list }}{{ [{'n': 2}, {'n': 5}] | sum(attribute='n') }}{{ ['ab', 'B'] | max }}", "[1, 2]7B")]
    [InlineData("{% for k, v in {'b': 1, 'a': 2} | dictsort %}{{ k }}={{ v }};{% endfor %}{% for k, v in {'b': 1, 'a': 2} | dictsort(by='value', reverse=true) %}{{ k }}{% endfor %}", "a=2;b=1;ab")]
    [InlineData("{{ 'x' is in ['x'] }}{{ 3 is divisibleby 3 }}{{ none is sameas none }}{{ 'a' if 1 is odd else 'b' }}", "TrueTrueTruea")]
    [InlineData("{{ 'ab'.isalpha() }}{{ 'a1'.isalnum() }}{{ 'AB1'.isupper() }}{{ 'ab'.islower() }}{{ '1'.isupper() }}{{ 'abcabc'.rfind('c') }}{{ 'xab'.removeprefix('x') }}{{ 'abx'.removesuffix('x') }}", "TrueTrueTrueTrueFalse5abab")]
    [InlineData("{{ [1] * 3 }}{{ [1, 2] * 0 }}", "[1, 1, 1][]")]
    [InlineData("{{ '<a href=\"x\">&\\'</a>' | e }}|{{ 'é' | escape }}", "&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt;|é")]
    [InlineData("{% for c in 'a\U0001F600b' %}[{{ c }}]{% endfor %}", "[a][\U0001F600][b]")]
    public void Expressions_statements_and_whitespace_control_render_as_jinja_does(string template, string expected)
    {
        var t = new JinjaChatTemplate(template, "<s>", "</s>");
        Assert.Equal(expected, t.Render([new("user", "q")]));
    }

    [Theory]
    [InlineData("{% if x %}unclosed")]
    [InlineData("{{ 1 + }}")]
    [InlineData("{% while true %}{% endwhile %}")]
    [InlineData("{{ 'unterminated }}")]
    [InlineData("{% endif %}")]
    [InlineData("{% break %}")]
    [InlineData("{% for i in [] %}{% else %}{% continue %}{% endfor %}")]
    [InlineData("{{ 123456789012345678901234567890 }}")]
    [InlineData("{{ '\\u12' }}")]
    public void Syntax_errors_name_the_place(string template)
    {
        var e = Assert.Throws<ChatTemplateException>(() => new JinjaChatTemplate(template, null, null));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void Generation_blocks_render_their_body_as_transformers_does()
    {
        var t = new JinjaChatTemplate("{% for m in messages %}{% generation %}[{{ m.content }}]{% endgeneration %}{% endfor %}", null, null);
        Assert.Equal("[a][b]", t.Render([new("user", "a"), new("assistant", "b")]));
    }

    [Fact]
    public void Variables_of_any_clr_or_json_shape_become_jinja_values()
    {
        var t = new JinjaChatTemplate("{{ n + 1 }} {{ xs | sum }} {{ d.k * 2 }} {{ j.calls[0].args.city }} {{ j.calls | length }} {{ j.ok }}", null, null);
        using var json = System.Text.Json.JsonDocument.Parse("{\"calls\": [{\"args\": {\"city\": \"Paris\"}}], \"ok\": true}");
        var variables = new Dictionary<string, object?>
        {
            ["n"] = 41,
            ["xs"] = new List<object?> { 1, 2.5f, (short)3 },
            ["d"] = new Dictionary<string, int> { ["k"] = 21 },
            ["j"] = json.RootElement,
        };
        Assert.Equal("42 6.5 42 Paris 1 True", t.Render(variables));
    }

    [Fact]
    public void Unknown_filters_fail_clearly_at_render_time()
    {
        var t = new JinjaChatTemplate("{{ 'x' | frobnicate }}", null, null);
        var e = Assert.Throws<ChatTemplateException>(() => t.Render([]));
        Assert.Contains("frobnicate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_string_of_json_arguments_is_quoted_by_tojson_and_joined_by_plus_as_jinja2_does()
    {
        // Expected text rendered by jinja2 3.1 with transformers' tojson (json.dumps, ensure_ascii=False).
        var t = new JinjaChatTemplate("{{ a | tojson }}|{{ 'x=' + a }}|{{ m | tojson }}|{{ m }}", null, null);
        var variables = new Dictionary<string, object?>
        {
            ["a"] = "{\"city\": \"Oslo\", \"note\": \"a\\nb\"}\t\u00e9\u0001",
            ["m"] = new Dictionary<string, object?> { ["city"] = "Oslo", ["n"] = new List<object?> { 1, 2.5, true, null } },
        };
        Assert.Equal(
            "\"{\\\"city\\\": \\\"Oslo\\\", \\\"note\\\": \\\"a\\\\nb\\\"}\\t\u00e9\\u0001\"|x={\"city\": \"Oslo\", \"note\": \"a\\nb\"}\t\u00e9\u0001|{\"city\": \"Oslo\", \"n\": [1, 2.5, true, null]}|{'city': 'Oslo', 'n': [1, 2.5, True, None]}",
            t.Render(variables));
    }

    [Fact]
    public void Joining_text_and_a_mapping_with_plus_is_refused_as_jinja2_refuses_it()
    {
        // DeepSeek-V3's template does this with a call's arguments; jinja2: "can only concatenate str (not dict) to str".
        var t = new JinjaChatTemplate("{{ '```json\\n' + arguments + '\\n```' }}", null, null);
        var e = Assert.Throws<ChatTemplateException>(() => t.Render(new Dictionary<string, object?> { ["arguments"] = new Dictionary<string, object?> { ["city"] = "Oslo" } }));
        Assert.Contains("Cannot add a string and a dict", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "nests too deeply")]
    [InlineData("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns | tojson }}", "nests too deeply")]
    [InlineData("{% for i in range(100000000000) %}{% endfor %}", "range() of 100000000000 items")]
    [InlineData("{{ 'x' * 100000000000 }}", "Repeating 1 items or characters 100000000000 times")]
    [InlineData("{{ [1] * 100000000000 }}", "Repeating 1 items or characters 100000000000 times")]
    [InlineData("{{ messages | tojson(indent=-1) }}", "The chat template failed")]
    [InlineData("{{ 'a' | indent(-3) }}", "The chat template failed")]
    [InlineData("{{ 5 is divisibleby 0 }}", "The chat template failed")]
    [InlineData("{{ [1, 'a'] | sort }}", "The chat template failed")]
    public void A_template_that_fails_at_render_time_throws_a_ChatTemplateException_never_ends_the_process(string template, string expected)
    {
        var t = new JinjaChatTemplate(template, null, null);
        var e = Assert.Throws<ChatTemplateException>(() => t.Render([new("user", "hi")]));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expression_nested_past_the_stack_is_a_syntax_error()
    {
        string template = "{{ " + new string('(', 200_000) + "1" + new string(')', 200_000) + " }}";
        var e = Assert.Throws<ChatTemplateException>(() => new JinjaChatTemplate(template, null, null));
        Assert.Contains("nested too deeply", e.Message, StringComparison.Ordinal);
    }
}
