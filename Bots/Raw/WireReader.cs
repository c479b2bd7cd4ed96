using System.Buffers.Binary;

namespace OrleansMmo.Bots.Raw;

/// <summary>
/// The protobuf wire format read field by field from a span, for the few answers the raw driver looks into
/// (Move answers, errors, WorldUpdate counts) without building message objects: at 20,000 moves and as many
/// pushes a second, the generated parsers' object graphs are most of what a load driver would spend.
/// Malformed input throws <see cref="InvalidDataException"/>: it comes from our own gateway, so it is a bug.
/// </summary>
public ref struct WireReader
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public WireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Reads the next field's tag; false at the end of the message.</summary>
    public bool TryReadTag(out int field, out int wireType)
    {
        if (_position >= _data.Length)
        {
            field = 0;
            wireType = 0;
            return false;
        }

        var tag = ReadVarint();
        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        if (field == 0)
        {
            throw new InvalidDataException("protobuf field number 0");
        }

        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new InvalidDataException("truncated varint");
            }

            var b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new InvalidDataException("varint longer than 10 bytes");
    }

    public float ReadFloat() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    /// <summary>The bytes of a length-delimited field (a nested message, a string, a packed repeated field).</summary>
    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw new InvalidDataException("length-delimited field past the end of the message");
        }

        return Take((int)length);
    }

    /// <summary>Skips the value of a field of <paramref name="wireType"/> (unknown fields, or ones not needed).</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint:
                ReadVarint();
                break;
            case Fixed64:
                Take(8);
                break;
            case LengthDelimited:
                ReadLengthDelimited();
                break;
            case Fixed32:
                Take(4);
                break;
            default:
                throw new InvalidDataException($"protobuf wire type {wireType} is not used by proto3");
        }
    }

    /// <summary>Varints in <paramref name="packed"/>: the element count of a packed repeated integer field.</summary>
    public static int CountVarints(ReadOnlySpan<byte> packed)
    {
        var count = 0;
        foreach (var b in packed)
        {
            // Every varint ends with exactly one byte below 0x80.
            if (b < 0x80)
            {
                count++;
            }
        }

        if (packed.Length > 0 && packed[^1] >= 0x80)
        {
            throw new InvalidDataException("truncated varint in a packed field");
        }

        return count;
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length > _data.Length - _position)
        {
            throw new InvalidDataException("field past the end of the message");
        }

        var span = _data.Slice(_position, length);
        _position += length;
        return span;
    }
}
