#pragma once
// The extraction program's side of sandbox.hpp (src/extract_main.cpp is all of its main).

namespace imapmirror::extract {

// Runs the child's side when argv[1] is kChildArgument: requests on stdin, answers on stdout,
// until EOF; returns the exit code. Otherwise says, on stderr, that the program is started by
// imapmirror and not by hand, and returns 2.
int run_extraction_child(int argc, char** argv);

}  // namespace imapmirror::extract
