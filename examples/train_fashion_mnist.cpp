// The README's training example as a program: the slides' MNIST CNN on Fashion-MNIST with early stopping, a CSV
// log, augmentation, evaluation and a saved model. Usage: train_fashion_mnist [epochs]
#include <fovea/fovea.h>
#include <fovea/io/json.h>

#include <iostream>
#include <string>

using namespace fovea;

int main(int argc, char** argv) {
  try {
    const int64_t epochs = argc > 1 ? std::stoll(argv[1]) : 12;
    Dataset train = load_fashion_mnist("train"), test = load_fashion_mnist("test");
    Normalizer norm = Normalizer::fit(train.images, NormalizationKind::min_max);  // training split only
    train.images = norm.transform(train.images);
    test.images = norm.transform(test.images);

    Sequential model = zoo::mnist_cnn();
    model.compile({.optimizer = optimizers::Adam({.learning_rate = 1e-3}),
                   .loss = "sparse_categorical_crossentropy",
                   .metrics = {"accuracy"}});
    std::cout << model.summary();
    History history = model.fit(
        train, {.epochs = epochs,
                .batch_size = 128,
                .validation_split = 0.1,
                .callbacks = {std::make_shared<EarlyStopping>(
                                  EarlyStoppingOptions{.patience = 3, .restore_best_weights = true}),
                              std::make_shared<CSVLogger>(CSVLoggerOptions{.filename = "history.csv"})},
                .seed = 42,
                .augmentation = std::make_shared<Augmentation>(Augmentation::parse("translation=0.1"))});
    Logs scores = model.evaluate(test);
    std::cout << "test accuracy: " << scores.at("accuracy") << " after " << history.epochs().size()
              << " epochs\n";
    save_model(model, "fashion.fovea", {.user = {{"normalizer", norm.to_json()}}});
  } catch (const Error& e) {
    std::cerr << "train_fashion_mnist: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
