using System.Globalization;
using System.Text;

namespace LlmFramework.Tokenizers.Tests;

/// <summary>Texts that exercise each part of DeepSeek-V3's pre-tokenizer, by category; the same on every run.</summary>
internal static class DeepSeekV3Texts
{
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ByCategory { get; } = new Dictionary<string, IReadOnlyList<string>>
    {
        ["prose"] = Prose(),
        ["numbers"] = Numbers(),
        ["cjk"] =
        [
            "你好，世界。今天天气很好，我们去公园散步吧！", "中华人民共和国成立于1949年10月1日。", "「引号」『书名』（括号）【方括号】《书名号》……——",
            "机器学习是人工智能的一个分支。It is a branch of AI.", "日本語のテキストです。ひらがな、カタカナ、漢字を混ぜます。",
            "東京都渋谷区で2024年に開催されたイベント", "ｶﾀｶﾅ（半角）とカタカナー（長音）、ゝゞヽヾ々〆", "コンピューター・プログラミング",
            "한국어 문장입니다. 안녕하세요!", "鿿龦龥 〇 𠀀𠮷𡈽 CJK Extension B", "ＡＢＣ１２３ｘｙｚ　全角スペース", "中文English混合mixed文本text",
            "我有3个苹果和12个橘子，共15个。", "第一章 总则\n第一条 为了规范……\n\n第二条 本法所称", "「こんにちは」と彼は言った。",
        ],
        ["emoji"] =
        [
            "😀", "😀😃😄😁", "I ❤️ you 😍!", "👍🏽 👍🏿 👋🏻", "👨‍👩‍👧‍👦 family", "🏳️‍🌈 🏴‍☠️ ❤️‍🔥", "🇯🇵🇺🇸🇩🇪 flags",
            "1️⃣ 2️⃣ #️⃣ keycaps", "©️ ®️ ™️ ‼️", "🤖: Hello!🎉🎉", "emoji😀inside😀words", "123😀456", "你好😀世界", "🧑🏽‍💻 coding",
        ],
        ["code"] = Code(),
        ["whitespace"] =
        [
            " ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", " \n ", "a \n\n b", "a  b   c    d",
            "trailing   ", "   leading", "\ttab start", "tab end\t", "mixed \t \n \r\n end", "a\u00a0b\u00a0\u00a0c", "full\u3000width\u3000\u3000space",
            "line\u2028sep\u2029para", "\v\f vertical", "thin\u2009and\u200ahair\u202fnarrow", "zero\u200bwidth\u200djoiner", " \n\n   \n\t\n",
            "end with newline\n", "\n\nstarts with newlines", "words\n  indented\n    more\n\tless",
        ],
        ["special tokens"] =
        [
            "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜begin▁of▁sentence｜>Hello world", "The end.<｜end▁of▁sentence｜>",
            "<｜begin▁of▁sentence｜>You are helpful.<｜User｜>Hi!<｜Assistant｜>Hello!<｜end▁of▁sentence｜><｜User｜>How are you?<｜Assistant｜>",
            "<｜User｜><｜User｜><｜Assistant｜>", "a<｜User｜>b", " <｜User｜> spaced <｜Assistant｜> ", "\n<｜Assistant｜>\n",
            "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
            "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>{\"temp\": 21}<｜tool▁output▁end｜>\n<｜tool▁output▁begin｜>x<｜tool▁output▁end｜><｜tool▁outputs▁end｜>",
            "<｜fim▁begin｜>def f():\n<｜fim▁hole｜>\n<｜fim▁end｜>", "<|EOT|>", "x<|EOT|>y", "<｜▁pad▁｜><｜▁pad▁｜>", "<｜place▁holder▁no▁17｜>",
            "<think>\nLet me think.\n</think>\n\nThe answer is 4.", "<｜User", "<｜User｜", "User｜>", "<｜user｜>", "<｜ User｜>",
            "<｜begin▁of▁sentence｜><｜begin▁of▁sentence｜>", "中文<｜Assistant｜>回答", "123<｜User｜>456", "😀<｜User｜>😀",
        ],
    };

    private static List<string> Prose()
    {
        // A few KB of Jane Austen (lines of the project's novels corpus, copied into the test data) in chunks and whole.
        string[] lines = File.ReadAllLines(TestData.File("novels-excerpt.txt"));
        var texts = new List<string>();
        for (int start = 0; start + 40 <= lines.Length; start += 150)
        {
            texts.Add(string.Join('\n', lines, start, 40));
        }

        texts.Add(File.ReadAllText(TestData.File("novels-excerpt.txt")));
        texts.AddRange(lines.Where(l => l.Length > 0).Take(40));
        texts.Add("I'm sure you're right; it's what we'd all say. Don't you think so? \"Yes!\" -- she said -- 'no...'");
        texts.Add("Mr. Knightley's U.S.A. e.g. i.e. St. John's, the 1st, 2nd & 3rd (of 100).");
        return texts;
    }

    private static List<string> Numbers()
    {
        var texts = new List<string>();
        const string Digits = "12345678901234567890123456789";
        for (int n = 1; n <= Digits.Length; n++)
        {
            texts.Add(Digits[..n]);
            texts.Add(" " + Digits[..n] + " items");
            texts.Add("x" + Digits[..n] + "y");
        }

        texts.AddRange(
        [
            "1234567", "3.14159", "3.14159265358979323846264338327950288", "-42", "+7", "1,234,567.89", "1 234 567", "0.000001", "1e-10",
            "6.022e23", "0x1F2E3D", "0b101010", "007", "000000000", "2024-01-01", "2024-12-31T23:59:59Z", "31/12/1999", "12.03.2025",
            "12:34:56.789", "v1.2.3-rc.4", "10%", "$1,000,000", "€9.99", "¥100", "+1 (555) 123-4567", "ISBN 978-3-16-148410-0",
            "١٢٣٤٥٦٧ Arabic-Indic", "१२३४ Devanagari", "½ ¼ ¾ ² ³ ₁₂", "Ⅻ ⅻ Roman", "１２３４５６７ full-width", "①②③ circled",
            "abc123def4567ghi89012", "1+1=2, 2*3=6, 10/4=2.5", "Pi is approximately 3.14159 and e is 2.71828.",
            "The years 1066, 1492, 1776, 1945 and 2001.", "12345678901234567890 is twenty digits",
        ]);
        for (int i = 0; i < 40; i++)
        {
            // Powers of 7 give every length from 1 to 34 digits.
            texts.Add(System.Numerics.BigInteger.Pow(7, i).ToString(CultureInfo.InvariantCulture));
        }

        return texts;
    }

    private static List<string> Code()
    {
        var code = new List<string>
        {
            "def fib(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
            "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, x):\n        self.items.append(x)  # O(1)\n",
            "#include <stdio.h>\n\nint main(void)\n{\n\tfor (int i = 0; i < 10; i++) {\n\t\tprintf(\"%d\\n\", i);\n\t}\n\treturn 0;\n}\n",
            "all: build\n\nbuild:\n\tgo build -o bin/app ./cmd/app\n\ttest -f bin/app && echo ok\n",
            "{\n  \"name\": \"llm\",\n  \"version\": \"1.0.0\",\n  \"deps\": {\"a\": \"^2.3.4\", \"b\": null},\n  \"list\": [1, 2, 3]\n}",
            "SELECT u.id, COUNT(*) AS n\nFROM users u\n    JOIN orders o ON o.user_id = u.id\nWHERE u.created_at >= '2024-01-01'\nGROUP BY u.id;",
            "const f = async (x) => {\n\tawait g(x?.y ?? 0);\n\treturn `${x}!`;\n};",
            "fn main() {\r\n    let v: Vec<u32> = (0..10).map(|x| x * x).collect();\r\n    println!(\"{:?}\", v);\r\n}\r\n",
            "if [ -z \"$HOME\" ]; then\n  echo 'no home' >&2; exit 1\nfi\nfor f in *.txt; do wc -l \"$f\"; done",
            "<div class=\"a\">\n  <p>Hello &amp; welcome</p>\n</div>", "x=1;y=2;z=x+y", "a->b->c; a::b::c; a<=b>=c!=d==e",
            "    \t  mixed   indentation\t\t\n\t    here", "// comment\n/* block\n * comment */\n", "regex: ^[a-z]+\\d{2,3}$",
            "print('hello')\nprint(\"world\")\n\n\n\nprint(1)", "    ", "\t\t\tdeeply\n\t\t\t\tnested",
        };
        return code;
    }
}
