namespace LlmFramework.Tokenizers.Jinja;

internal enum JinjaTokenKind
{
    Text,
    BeginOutput,
    BeginBlock,
    EndTag,
    Name,
    String,
    Integer,
    Float,
    Operator,
    EndOfInput,
}

/// <summary>One lexical token; <see cref="Position"/> is the offset in the template source.</summary>
internal readonly record struct JinjaToken(JinjaTokenKind Kind, string Value, int Position);
