namespace SemanticSearch.Checkpoints;

/// <summary>
/// Turns a torch tensor description (storage offset, sizes, strides, all in elements) into the
/// contiguous row-major bytes of that tensor. A checkpoint may legally save views: a transposed
/// weight, a slice of a larger buffer, or tensors sharing one storage; reading the storage from the
/// offset as if it were contiguous would silently scramble such weights.
/// </summary>
internal static class StridedTensorView
{
    /// <summary>Returns the tensor's bytes, or throws naming the tensor if the view reaches outside its storage.</summary>
    public static ReadOnlySpan<byte> Materialize(string path, string tensorName, TensorReference tensor, byte[] storage)
    {
        try
        {
            return MaterializeChecked(path, tensorName, tensor, storage);
        }
        catch (OverflowException e)
        {
            // Only absurd sizes/strides overflow 64-bit index arithmetic; report them as a bad file.
            throw new CheckpointFormatException(path, tensorName,
                $"size [{string.Join(", ", tensor.Size)}] / stride [{string.Join(", ", tensor.Stride)}] overflow 64-bit indexing", e);
        }
    }

    private static ReadOnlySpan<byte> MaterializeChecked(string path, string tensorName, TensorReference tensor, byte[] storage)
    {
        int elementSize = tensor.Storage.DType.ElementSize();
        long[] size = tensor.Size;
        long[] stride = tensor.Stride;
        if (stride.Length != size.Length)
        {
            throw new CheckpointFormatException(path, tensorName, $"has {size.Length} sizes but {stride.Length} strides");
        }

        long count = 1;
        long lastIndex = tensor.StorageOffset;
        for (int d = 0; d < size.Length; d++)
        {
            if (size[d] < 0 || stride[d] < 0)
            {
                throw new CheckpointFormatException(path, tensorName,
                    $"negative size or stride (size [{string.Join(", ", size)}], stride [{string.Join(", ", stride)}])");
            }

            count = checked(count * size[d]);
            if (count > Array.MaxLength)
            {
                throw new CheckpointFormatException(path, tensorName, $"size [{string.Join(", ", size)}] is too large for one array");
            }

            if (size[d] > 0)
            {
                lastIndex = checked(lastIndex + (size[d] - 1) * stride[d]);
            }
        }

        if (count == 0)
        {
            return [];
        }

        long storageElements = storage.LongLength / elementSize;
        if (tensor.StorageOffset < 0 || lastIndex >= storageElements)
        {
            throw new CheckpointFormatException(path, tensorName,
                $"view (offset {tensor.StorageOffset}, size [{string.Join(", ", size)}], stride [{string.Join(", ", stride)}]) reaches element {lastIndex} of storage '{tensor.Storage.Key}' which has {storageElements}");
        }

        if (IsContiguous(size, stride))
        {
            return new ReadOnlySpan<byte>(storage, checked((int)(tensor.StorageOffset * elementSize)), checked((int)(count * elementSize)));
        }

        return Gather(storage, elementSize, tensor.StorageOffset, size, stride, count);
    }

    /// <summary>Row-major with no gaps; dimensions of size 1 may carry any stride (torch does not normalise them).</summary>
    internal static bool IsContiguous(long[] size, long[] stride)
    {
        long expected = 1;
        for (int d = size.Length - 1; d >= 0; d--)
        {
            if (size[d] == 1)
            {
                continue;
            }

            if (stride[d] != expected)
            {
                return false;
            }

            expected *= size[d];
        }

        return true;
    }

    /// <summary>Copies element by element, walking the index space in row-major order with an odometer.</summary>
    private static byte[] Gather(byte[] storage, int elementSize, long offset, long[] size, long[] stride, long count)
    {
        var result = GC.AllocateUninitializedArray<byte>(checked((int)(count * elementSize)));
        var index = new long[size.Length];
        long source = offset;
        for (long i = 0; i < count; i++)
        {
            Buffer.BlockCopy(storage, (int)(source * elementSize), result, (int)(i * elementSize), elementSize);
            for (int d = size.Length - 1; d >= 0; d--)
            {
                if (++index[d] < size[d])
                {
                    source += stride[d];
                    break;
                }

                source -= (size[d] - 1) * stride[d];
                index[d] = 0;
            }
        }

        return result;
    }
}
