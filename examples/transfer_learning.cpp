// Transfer learning on real data, as the slides describe it: train the MNIST CNN on Fashion-MNIST classes 0-4,
// then learn classes 5-9 from only 500 labelled images, once from scratch and once reusing the frozen features
// (new head, then fine-tuning at a lower learning rate), and compare test accuracies on classes 5-9.
// Usage: transfer_learning [base_epochs (3)] [cut (3): layers removed from the base's end; 3 keeps the convolutional
// features up to flatten, 1 removes only the softmax]
#include <fovea/fovea.h>

#include <cstdio>
#include <string>

using namespace fovea;

namespace {

constexpr int64_t kLabelled = 500;

double train_and_score(Model& model, const Dataset& train, const Dataset& test, double learning_rate,
                       int64_t epochs) {
  model.compile({.optimizer = optimizers::Adam({.learning_rate = learning_rate}),
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  model.fit(train, {.epochs = epochs, .batch_size = 32, .verbose = 0, .seed = 1});
  return model.evaluate(test, {.batch_size = 256, .verbose = 0}).at("accuracy");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int64_t base_epochs = argc > 1 ? std::stoll(argv[1]) : 3;
    const int cut = argc > 2 ? std::stoi(argv[2]) : 3;  // 3: keep everything up to flatten
    manual_seed(42);
    Dataset train = load_fashion_mnist("train"), test = load_fashion_mnist("test");
    const Normalizer norm = Normalizer::fit(train.images, NormalizationKind::min_max);
    train.images = norm.transform(train.images);
    test.images = norm.transform(test.images);

    // The source task: classes 0-4 (T-shirt/top, Trouser, Pullover, Dress, Coat), all their images.
    Dataset source = select_classes(train, {0, 1, 2, 3, 4});
    Sequential base = zoo::mnist_cnn({.num_classes = 5});
    base.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
    std::printf("Training the base on classes 0-4 (%lld images, %lld epochs)\n",
                static_cast<long long>(source.size()), static_cast<long long>(base_epochs));
    base.fit(source, {.epochs = base_epochs, .batch_size = 128, .seed = 2});

    // The target task: classes 5-9 (Sandal, Shirt, Sneaker, Bag, Ankle boot) from 500 labelled images.
    const std::vector<int64_t> target_classes = {5, 6, 7, 8, 9};
    Dataset few = select_classes(train, target_classes, kLabelled);
    Dataset target_test = select_classes(test, target_classes);

    Sequential scratch = zoo::mnist_cnn({.num_classes = 5});
    const double scratch_accuracy = train_and_score(scratch, few, target_test, 1e-3, 20);

    Model features = remove_last_layers(base, cut);
    set_trainable(features, false);
    SymbolicTensor head = Dense({.units = 5, .activation = ActivationKind::softmax})(features.outputs()[0]);
    Model transfer(features.inputs(), {head});
    const double head_accuracy = train_and_score(transfer, few, target_test, 1e-3, 20);
    set_trainable(transfer, true);
    const double tuned_accuracy = train_and_score(transfer, few, target_test, 1e-4, 5);

    std::printf("\nFeatures: the output of layer '%s'\n", features.layers().back()->name().c_str());
    std::printf("Classes 5-9 from %lld labelled images, tested on %lld images:\n",
                static_cast<long long>(few.size()), static_cast<long long>(target_test.size()));
    std::printf("  from scratch                         %.4f\n", scratch_accuracy);
    std::printf("  transferred features, new head       %.4f\n", head_accuracy);
    std::printf("  ... then fine-tuned (lr 1e-4)        %.4f\n", tuned_accuracy);
  } catch (const Error& e) {
    std::fprintf(stderr, "transfer_learning: %s\n", e.what());
    return 1;
  }
  return 0;
}
