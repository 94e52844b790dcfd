Console.Error.WriteLine("usage: semsearch-bench <suite>");return 2;
