using System.Buffers.Binary;
using System.IO.Compression;
using LlmFramework.Training.Plot;
using LlmFramework.Training.Tests.Support;
using LlmFramework.Training.Training;

namespace LlmFramework.Training.Tests.Plot;

/// <summary>The loss curve is a valid PNG (signature, chunk CRCs, image data of the stated size) that shows the curve.</summary>
public sealed class LossCurvePlotTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_plot_is_a_valid_png_with_the_curve_drawn()
    {
        var log = new TrainingLog();
        for (int i = 0; i < 300; i++)
        {
            log.Losses.Add((float)(8 * Math.Exp(-i / 60.0) + 2));
        }

        log.Evaluations.Add(new EvalPoint(150, 3.5));
        string path = _folder.Combine("loss.png");
        LossCurvePlot.Write(path, log, "test run");
        byte[] png = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        int width = 0, height = 0;
        using var idat = new MemoryStream();
        for (int at = 8; at < png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            byte[] body = png[(at + 8)..(at + 8 + length)];
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            Assert.Equal(Crc(png.AsSpan(at + 4, 4 + length)), crc);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(4));
            }
            else if (type == "IDAT")
            {
                idat.Write(body);
            }

            at += 12 + length;
        }

        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            z.CopyTo(inflated);
        }

        byte[] pixels = inflated.ToArray();
        Assert.Equal(height * (1 + (3 * width)), pixels.Length);
        int blue = 0;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = (y * (1 + (3 * width))) + 1 + (3 * x);
                if (pixels[i] == 20 && pixels[i + 1] == 80 && pixels[i + 2] == 180)
                {
                    blue++;
                }
            }
        }

        Assert.True(blue > 500, $"only {blue} pixels of the curve's colour");
    }

    private static uint Crc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return crc ^ 0xFFFFFFFF;
    }
}
