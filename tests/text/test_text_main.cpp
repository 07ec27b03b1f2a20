// The test_text executable: runs the tokenizer suite and the chat-format / BPE-trainer suite.
#include <QCoreApplication>

int run_tokenizer_tests(int argc, char** argv);     // test_tokenizer.cpp
int run_chat_trainer_tests(int argc, char** argv);  // test_chat_trainer.cpp

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  int status = run_tokenizer_tests(argc, argv);
  status |= run_chat_trainer_tests(argc, argv);
  return status;
}
