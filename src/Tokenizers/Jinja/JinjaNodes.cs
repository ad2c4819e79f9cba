namespace LlmFramework.Tokenizers.Jinja;

/// <summary>A template statement.</summary>
internal abstract record JinjaNode;

internal sealed record TextNode(string Text) : JinjaNode;

internal sealed record OutputNode(JinjaExpr Expression) : JinjaNode;

internal sealed record IfNode(List<(JinjaExpr Condition, List<JinjaNode> Body)> Branches, List<JinjaNode>? Else) : JinjaNode;

internal sealed record ForNode(List<string> Targets, JinjaExpr Iterable, JinjaExpr? Filter, List<JinjaNode> Body, List<JinjaNode>? Else) : JinjaNode;

/// <summary>{% set name = expr %}, {% set ns.attr = expr %} or {% set name %}...{% endset %}.</summary>
internal sealed record SetNode(string Name, string? Attribute, JinjaExpr? Value, List<JinjaNode>? Body) : JinjaNode;

/// <summary>{% break %} or {% continue %} (Jinja's loopcontrols extension, which transformers enables).</summary>
internal sealed record LoopControlNode(bool Break) : JinjaNode;

/// <summary>{% generation %}...{% endgeneration %} (transformers' assistant-mask marker): renders its body.</summary>
internal sealed record GenerationNode(List<JinjaNode> Body) : JinjaNode;

internal sealed record MacroNode(string Name, List<(string Name, JinjaExpr? Default)> Parameters, List<JinjaNode> Body) : JinjaNode;

/// <summary>An expression.</summary>
internal abstract record JinjaExpr;

internal sealed record LiteralExpr(object? Value) : JinjaExpr;

internal sealed record NameExpr(string Name) : JinjaExpr;

internal sealed record ListExpr(List<JinjaExpr> Items) : JinjaExpr;

internal sealed record DictExpr(List<(JinjaExpr Key, JinjaExpr Value)> Items) : JinjaExpr;

internal sealed record AttributeExpr(JinjaExpr Target, string Name) : JinjaExpr;

internal sealed record IndexExpr(JinjaExpr Target, JinjaExpr Index) : JinjaExpr;

internal sealed record SliceExpr(JinjaExpr Target, JinjaExpr? Start, JinjaExpr? Stop, JinjaExpr? Step) : JinjaExpr;

internal sealed record CallExpr(JinjaExpr Target, List<JinjaExpr> Arguments, List<(string Name, JinjaExpr Value)> Keywords) : JinjaExpr;

internal sealed record FilterExpr(JinjaExpr Target, string Name, List<JinjaExpr> Arguments, List<(string Name, JinjaExpr Value)> Keywords) : JinjaExpr;

internal sealed record TestExpr(JinjaExpr Target, string Name, bool Negated, List<JinjaExpr> Arguments) : JinjaExpr;

internal sealed record UnaryExpr(string Operator, JinjaExpr Operand) : JinjaExpr;

internal sealed record BinaryExpr(string Operator, JinjaExpr Left, JinjaExpr Right) : JinjaExpr;

internal sealed record ConditionalExpr(JinjaExpr Condition, JinjaExpr Then, JinjaExpr? Else) : JinjaExpr;
