// Defines std::ios_base_library_init(), the one symbol TorchSharp 0.107's libLibTorchSharp.so takes from
// GLIBCXX_3.4.32 (GCC 13's <iostream> calls it so that the streams exist before any static constructor uses them).
// libstdc++ before GCC 13 (Debian 12: GLIBCXX_3.4.30) initialises the streams from every translation unit that
// includes <iostream> through a static std::ios_base::Init; this file is such a unit, so loading the shim
// initialises them and the function itself has nothing left to do. Built only where the system libstdc++ lacks
// the version (tools/torchsharp/fix-glibcxx.sh).
#include <iostream>

namespace std {
void ios_base_library_init() { static ios_base::Init init; }
}
