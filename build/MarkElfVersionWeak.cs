#nullable enable
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Marks one symbol-version requirement of an ELF shared library weak (VER_FLG_WEAK in .gnu.version_r), so the dynamic
/// loader only warns instead of refusing the library when the system library lacks that version. Used for TorchSharp's
/// libLibTorchSharp.so, built with GCC 13, which asks libstdc++ for GLIBCXX_3.4.32 (Debian 12 stops at 3.4.30) for a
/// single symbol it never calls. Writes the patched copy to <see cref="Destination"/> (never touching the source, which
/// lives in the NuGet cache), only when the system libstdc++ does not define the version, and only when the destination
/// is missing or older than the source, so repeated builds leave it (and everything copied from it) unchanged.
/// <see cref="Result"/> is the file to use: the patched copy, or the source itself where no patch is needed.
/// </summary>
public sealed class MarkElfVersionWeak : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>The shared library to patch.</summary>
    [Required]
    public string Library { get; set; } = "";

    /// <summary>Where the patched copy goes.</summary>
    [Required]
    public string Destination { get; set; } = "";

    /// <summary>The library to use: <see cref="Destination"/> when patched, else <see cref="Library"/>.</summary>
    [Output]
    public string Result { get; set; } = "";

    /// <summary>The version to mark weak, e.g. GLIBCXX_3.4.32.</summary>
    [Required]
    public string Version { get; set; } = "";

    /// <summary>Library files that define versions (the first that exists is checked), e.g. the system libstdc++.</summary>
    [Required]
    public string[] SystemLibraries { get; set; } = new string[0];

    public override bool Execute()
    {
        if (!File.Exists(Library))
        {
            Log.LogError($"MarkElfVersionWeak: '{Library}' does not exist");
            return false;
        }

        Result = Library;
        string? system = Array.Find(SystemLibraries, File.Exists);
        if (system is not null && Contains(File.ReadAllBytes(system), Encoding.ASCII.GetBytes(Version + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, $"{system} defines {Version}; {Path.GetFileName(Library)} left as it is");
            return true;
        }

        if (File.Exists(Destination) && File.GetLastWriteTimeUtc(Destination) >= File.GetLastWriteTimeUtc(Library))
        {
            Result = Destination;
            return true;
        }

        byte[] elf = File.ReadAllBytes(Library);
        try
        {
            int patched = Patch(elf, Version);
            if (patched < 0)
            {
                Log.LogMessage(MessageImportance.Low, $"{Path.GetFileName(Library)} is already patched for {Version}");
                return true;
            }

            if (patched == 0)
            {
                Log.LogMessage(MessageImportance.Low, $"{Path.GetFileName(Library)} does not require {Version}");
                return true;
            }
        }
        catch (InvalidDataException ex)
        {
            Log.LogError($"MarkElfVersionWeak: {Library}: {ex.Message}");
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(Destination))!);
        string temporary = Destination + ".patching";
        File.WriteAllBytes(temporary, elf);
        if (File.Exists(Destination))
        {
            File.Delete(Destination);
        }

        File.Move(temporary, Destination);
        Result = Destination;
        Log.LogMessage(MessageImportance.High, $"{Path.GetFileName(Library)}: marked its {Version} requirement weak ({(system ?? "no system libstdc++ found")} lacks it)");
        return true;
    }

    /// <summary>Sets VER_FLG_WEAK on every requirement named <paramref name="version"/>; returns how many were set, -1 when all already were.</summary>
    private static int Patch(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file");
        }

        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("only little-endian 64-bit ELF files are handled");
        }

        long sectionTable = (long)U64(elf, 0x28);
        int entrySize = U16(elf, 0x3a);
        int sectionCount = U16(elf, 0x3c);
        int set = 0, already = 0;
        for (int s = 0; s < sectionCount; s++)
        {
            long header = sectionTable + ((long)s * entrySize);
            if (U32(elf, header + 4) != ShtGnuVerneed)
            {
                continue;
            }

            long offset = (long)U64(elf, header + 0x18);
            uint link = U32(elf, header + 0x28);
            long strings = (long)U64(elf, sectionTable + ((long)link * entrySize) + 0x18);
            long need = offset;
            while (true)
            {
                int auxCount = U16(elf, need + 2);
                long aux = need + U32(elf, need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    string name = CString(elf, strings + U32(elf, aux + 8));
                    if (name == version)
                    {
                        ushort flags = (ushort)U16(elf, aux + 4);
                        if ((flags & VerFlagWeak) != 0)
                        {
                            already++;
                        }
                        else
                        {
                            flags |= VerFlagWeak;
                            elf[aux + 4] = (byte)flags;
                            elf[aux + 5] = (byte)(flags >> 8);
                            set++;
                        }
                    }

                    aux += U32(elf, aux + 12);
                }

                uint next = U32(elf, need + 12);
                if (next == 0)
                {
                    break;
                }

                need += next;
            }
        }

        return set == 0 && already > 0 ? -1 : set;
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = Array.IndexOf(haystack, needle[0]); i >= 0 && i <= haystack.Length - needle.Length; i = Array.IndexOf(haystack, needle[0], i + 1))
        {
            int j = 1;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }

            if (j == needle.Length)
            {
                return true;
            }
        }

        return false;
    }

    private static int U16(byte[] b, long at) => b[at] | (b[at + 1] << 8);

    private static uint U32(byte[] b, long at) => BitConverter.ToUInt32(b, checked((int)at));

    private static ulong U64(byte[] b, long at) => BitConverter.ToUInt64(b, checked((int)at));

    private static string CString(byte[] b, long at)
    {
        int end = Array.IndexOf(b, (byte)0, checked((int)at));
        return Encoding.ASCII.GetString(b, (int)at, end - (int)at);
    }
}
