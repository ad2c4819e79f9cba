using System.Globalization;

namespace LlmFramework.Formats.Gguf;

/// <summary>
/// A GGUF metadata value. <see cref="Value"/> holds a boxed scalar of the matching CLR type (byte, sbyte, ushort,
/// short, uint, int, float, bool, string, ulong, long, double) or, for arrays, a typed array of it
/// (e.g. <c>string[]</c>, <c>float[]</c>, <c>uint[]</c>); arrays of arrays are <c>GgufValue[]</c>.
/// </summary>
public sealed class GgufValue
{
    private GgufValue(GgufValueType type, GgufValueType elementType, object value)
    {
        Type = type;
        ElementType = elementType;
        Value = value;
    }

    /// <summary>The value's type tag.</summary>
    public GgufValueType Type { get; }

    /// <summary>For arrays the type of the elements; for scalars the same as <see cref="Type"/>.</summary>
    public GgufValueType ElementType { get; }

    /// <summary>The boxed scalar, string or typed array.</summary>
    public object Value { get; }

    /// <summary>Number of elements for arrays, 1 for scalars.</summary>
    public int Count => Value is Array a && Type == GgufValueType.Array ? a.Length : 1;

    /// <summary>Wraps a scalar; <paramref name="value"/> must have the CLR type of <paramref name="type"/> (e.g. uint for UInt32).</summary>
    public static GgufValue FromScalar(GgufValueType type, object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (type == GgufValueType.Array)
        {
            throw new ArgumentException("use FromArray for arrays", nameof(type));
        }

        Type expected = ClrType(type);
        if (value.GetType() != expected)
        {
            throw new ArgumentException($"a GGUF {type} needs a {expected.Name}, got a {value.GetType().Name}", nameof(value));
        }

        return new GgufValue(type, type, value);
    }

    /// <summary>
    /// Wraps an array; <paramref name="values"/> must be an array of the CLR type of <paramref name="elementType"/>
    /// (<c>GgufValue[]</c> of arrays for <see cref="GgufValueType.Array"/>).
    /// </summary>
    public static GgufValue FromArray(GgufValueType elementType, Array values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Type expected = ClrType(elementType);
        if (values.GetType().GetElementType() != expected || values.Rank != 1)
        {
            throw new ArgumentException($"a GGUF array of {elementType} needs a {expected.Name}[], got a {values.GetType().Name}", nameof(values));
        }

        if (elementType == GgufValueType.String && Array.IndexOf(values, null) >= 0)
        {
            throw new ArgumentException("a GGUF string array cannot hold null", nameof(values));
        }

        if (elementType == GgufValueType.Array)
        {
            foreach (GgufValue? inner in (GgufValue?[])values)
            {
                if (inner is null || inner.Type != GgufValueType.Array)
                {
                    throw new ArgumentException("the elements of an array of arrays must be array values", nameof(values));
                }
            }
        }

        return new GgufValue(GgufValueType.Array, elementType, values);
    }

    /// <summary>Byte size of a fixed-size scalar type; 0 for String and Array.</summary>
    internal static int ScalarSize(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 => 8,
        _ => 0,
    };

    /// <summary>CLR type that holds one value of <paramref name="type"/>.</summary>
    internal static Type ClrType(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => typeof(byte),
        GgufValueType.Int8 => typeof(sbyte),
        GgufValueType.UInt16 => typeof(ushort),
        GgufValueType.Int16 => typeof(short),
        GgufValueType.UInt32 => typeof(uint),
        GgufValueType.Int32 => typeof(int),
        GgufValueType.Float32 => typeof(float),
        GgufValueType.Bool => typeof(bool),
        GgufValueType.String => typeof(string),
        GgufValueType.Array => typeof(GgufValue),
        GgufValueType.UInt64 => typeof(ulong),
        GgufValueType.Int64 => typeof(long),
        GgufValueType.Float64 => typeof(double),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown GGUF value type"),
    };

    internal static GgufValue Trusted(GgufValueType type, GgufValueType elementType, object value) => new(type, elementType, value);

    /// <inheritdoc />
    public override string ToString() => Type == GgufValueType.Array
        ? $"{ElementType}[{((Array)Value).Length}]"
        : Convert.ToString(Value, CultureInfo.InvariantCulture) ?? string.Empty;
}
