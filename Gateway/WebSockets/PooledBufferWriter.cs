using System.Buffers;

namespace OrleansMmo.Gateway.WebSockets;

/// <summary>
/// A growable buffer from <see cref="ArrayPool{T}.Shared"/>, handed back on <see cref="Reset"/>: a batch of frames
/// is written, sent as one message, then the array returns to the pool, so an idle connection holds none.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>
{
    private const int MinimumSize = 4096;
    private byte[]? _buffer;
    private int _written;

    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer is null ? default : _buffer.AsMemory(0, _written);

    public void Advance(int count)
    {
        if (count < 0 || _buffer is null || _written + count > _buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Forgets what was written and returns the array to the pool.</summary>
    public void Reset()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            _written = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (_buffer is not null && needed <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(MinimumSize, (_buffer?.Length ?? 0) * 2)));
        if (_buffer is { } old)
        {
            old.AsSpan(0, _written).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(old);
        }

        _buffer = bigger;
    }
}
