using System.Text;
using LlmFramework.Abstractions.Models;

namespace LlmFramework.Tokenizers;

/// <summary>
/// Reads a SentencePiece tokenizer.model (protobuf ModelProto): pieces {piece=1, score=2, type=3} (field 1),
/// trainer_spec (field 2: model_type=3, byte_fallback=35, unk/bos/eos ids 40-42), normalizer_spec
/// (field 3: add_dummy_prefix=3).
/// </summary>
internal static class SentencePieceModelReader
{
    public sealed record Model(List<string> Pieces, List<float> Scores, List<int> Types, bool ByteFallback, bool AddDummyPrefix, int ModelType, int UnkId, int BosId, int EosId);

    public static Model Read(string path)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new ModelLoadException(path, $"cannot read the file: {e.Message}", e);
        }

        var pieces = new List<string>();
        var scores = new List<float>();
        var types = new List<int>();
        bool byteFallback = false, addDummyPrefix = true;
        int modelType = 1, unk = 0, bos = 1, eos = 2;
        try
        {
            var r = new ProtoReader(data, 0, data.Length);
            while (r.Next(out int field, out int wire))
            {
                if (field == 1 && wire == 2)
                {
                    var p = r.Sub();
                    string? piece = null;
                    float score = 0;
                    int type = TokenTypes.Normal;
                    while (p.Next(out int f, out int w))
                    {
                        if (f == 1 && w == 2)
                        {
                            piece = p.String();
                        }
                        else if (f == 2 && w == 5)
                        {
                            score = p.Fixed32Float();
                        }
                        else if (f == 3 && w == 0)
                        {
                            type = (int)p.Varint();
                        }
                        else
                        {
                            p.Skip(w);
                        }
                    }

                    pieces.Add(piece ?? throw new ModelLoadException(path, $"ModelProto.pieces[{pieces.Count}] has no 'piece' field"));
                    scores.Add(score);
                    types.Add(type);
                }
                else if (field == 2 && wire == 2)
                {
                    var t = r.Sub();
                    while (t.Next(out int f, out int w))
                    {
                        switch (f)
                        {
                            case 3 when w == 0: modelType = (int)t.Varint(); break;
                            case 35 when w == 0: byteFallback = t.Varint() != 0; break;
                            case 40 when w == 0: unk = (int)t.Varint(); break;
                            case 41 when w == 0: bos = (int)t.Varint(); break;
                            case 42 when w == 0: eos = (int)t.Varint(); break;
                            default: t.Skip(w); break;
                        }
                    }
                }
                else if (field == 3 && wire == 2)
                {
                    var n = r.Sub();
                    while (n.Next(out int f, out int w))
                    {
                        if (f == 3 && w == 0)
                        {
                            addDummyPrefix = n.Varint() != 0;
                        }
                        else
                        {
                            n.Skip(w);
                        }
                    }
                }
                else
                {
                    r.Skip(wire);
                }
            }
        }
        catch (FormatException e)
        {
            throw new ModelLoadException(path, $"not a valid SentencePiece ModelProto: {e.Message}", e);
        }

        if (pieces.Count == 0)
        {
            throw new ModelLoadException(path, "ModelProto.pieces is empty (not a SentencePiece model?)");
        }

        return new Model(pieces, scores, types, byteFallback, addDummyPrefix, modelType, unk, bos, eos);
    }

    private struct ProtoReader(byte[] data, int pos, int end)
    {
        private int _pos = pos;

        public bool Next(out int field, out int wire)
        {
            if (_pos >= end)
            {
                field = wire = 0;
                return false;
            }

            ulong key = Varint();
            field = (int)(key >> 3);
            wire = (int)(key & 7);
            if (field == 0)
            {
                throw new FormatException($"field number 0 at byte {_pos}");
            }

            return true;
        }

        public ulong Varint()
        {
            ulong v = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (_pos >= end)
                {
                    throw new FormatException("truncated varint");
                }

                byte b = data[_pos++];
                v |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return v;
                }
            }

            throw new FormatException("varint longer than 10 bytes");
        }

        public float Fixed32Float()
        {
            Need(4);
            float f = BitConverter.ToSingle(data, _pos);
            _pos += 4;
            return f;
        }

        public ProtoReader Sub()
        {
            int len = Length();
            var sub = new ProtoReader(data, _pos, _pos + len);
            _pos += len;
            return sub;
        }

        public string String()
        {
            int len = Length();
            string s = Encoding.UTF8.GetString(data, _pos, len);
            _pos += len;
            return s;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: Need(8); _pos += 8; break;
                case 2: int len = Length(); _pos += len; break;
                case 5: Need(4); _pos += 4; break;
                default: throw new FormatException($"unsupported wire type {wire} at byte {_pos}");
            }
        }

        private int Length()
        {
            ulong len = Varint();
            if (len > (ulong)(end - _pos))
            {
                throw new FormatException($"length {len} at byte {_pos} runs past the end");
            }

            return (int)len;
        }

        private readonly void Need(int n)
        {
            if (_pos + n > end)
            {
                throw new FormatException($"truncated at byte {_pos}");
            }
        }
    }
}
