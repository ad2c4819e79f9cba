using System.Buffers.Binary;
using System.IO.Compression;

namespace LlmFramework.Training.Plot;

/// <summary>An RGB raster with just enough drawing for a line chart, saved as a PNG (zlib via System.IO.Compression).</summary>
public sealed class PngImage
{
    private readonly byte[] _pixels; // (height, width, 3)

    /// <summary>A white image of <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    public PngImage(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Width = width;
        Height = height;
        _pixels = new byte[width * height * 3];
        Array.Fill(_pixels, (byte)255);
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The colour at (x, y).</summary>
    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            int i = ((y * Width) + x) * 3;
            return (_pixels[i], _pixels[i + 1], _pixels[i + 2]);
        }
    }

    /// <summary>Sets one pixel; points outside the image are ignored.</summary>
    public void Set(int x, int y, (byte R, byte G, byte B) colour)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
        {
            return;
        }

        int i = ((y * Width) + x) * 3;
        _pixels[i] = colour.R;
        _pixels[i + 1] = colour.G;
        _pixels[i + 2] = colour.B;
    }

    /// <summary>A straight line (Bresenham), <paramref name="thickness"/> pixels wide.</summary>
    public void Line(int x0, int y0, int x1, int y1, (byte R, byte G, byte B) colour, int thickness = 1)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0);
        int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
        int error = dx + dy;
        while (true)
        {
            Dot(x0, y0, colour, thickness);
            if (x0 == x1 && y0 == y1)
            {
                break;
            }

            int e2 = 2 * error;
            if (e2 >= dy)
            {
                error += dy;
                x0 += sx;
            }

            if (e2 <= dx)
            {
                error += dx;
                y0 += sy;
            }
        }
    }

    /// <summary>A filled square of side <paramref name="size"/> centred on (x, y).</summary>
    public void Dot(int x, int y, (byte R, byte G, byte B) colour, int size)
    {
        int half = size / 2;
        for (int oy = -half; oy < size - half; oy++)
        {
            for (int ox = -half; ox < size - half; ox++)
            {
                Set(x + ox, y + oy, colour);
            }
        }
    }

    /// <summary>Text in the built-in 5x7 font, <paramref name="scale"/> pixels per font pixel, top-left at (x, y).</summary>
    public void Text(int x, int y, string text, (byte R, byte G, byte B) colour, int scale = 2)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (char c in text)
        {
            ReadOnlySpan<byte> rows = PixelFont.Glyph(c);
            for (int row = 0; row < rows.Length; row++)
            {
                for (int column = 0; column < 5; column++)
                {
                    if ((rows[row] & (0x10 >> column)) != 0)
                    {
                        for (int s = 0; s < scale * scale; s++)
                        {
                            Set(x + (column * scale) + (s % scale), y + (row * scale) + (s / scale), colour);
                        }
                    }
                }
            }

            x += 6 * scale;
        }
    }

    /// <summary>Width of <paramref name="text"/> in pixels at <paramref name="scale"/>.</summary>
    public static int TextWidth(string text, int scale = 2) => (text?.Length ?? 0) * 6 * scale;

    /// <summary>Writes the image as an 8-bit RGB PNG.</summary>
    public void Save(string path)
    {
        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        WriteChunk(file, "IHDR", header);
        using var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int y = 0; y < Height; y++)
            {
                zlib.WriteByte(0); // filter: none
                zlib.Write(_pixels, y * Width * 3, Width * 3);
            }
        }

        WriteChunk(file, "IDAT", raw.ToArray());
        WriteChunk(file, "IEND", []);
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        byte[] typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        stream.Write(typeBytes);
        stream.Write(data);
        uint crc = Crc32(Crc32(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        stream.Write(word);
    }

    /// <summary>PNG's CRC-32 (polynomial 0xEDB88320), continued from <paramref name="crc"/> over <paramref name="data"/>.</summary>
    private static uint Crc32(uint crc, byte[] data)
    {
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return crc;
    }
}
