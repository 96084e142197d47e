// Transfer learning on real data, as the slides describe it: train the MNIST CNN on Fashion-MNIST classes 0-4,
// then learn classes 5-9 from only 500 labelled images, once from scratch and once reusing the frozen features
// (new head, then fine-tuning at a lower learning rate), and compare test accuracies on classes 5-9 after the
// same number of epochs. Three different draws of the 500 images show how much of the gap is luck.
// Usage: transfer_learning [base_epochs (3)] [cut (3): layers removed from the base's end; 3 keeps the convolutional
// features up to flatten, 1 removes only the softmax]
#include <fovea/fovea.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

using namespace fovea;

namespace {

constexpr int64_t kLabelled = 500;
constexpr int kDraws = 3;
const std::vector<int64_t> kCheckpoints = {1, 2, 5, 10, 20};  // epochs after which the test accuracy is taken
constexpr int64_t kFineTuneEpochs = 5;

void compile_for(Model& model, double learning_rate) {
  model.compile({.optimizer = optimizers::Adam({.learning_rate = learning_rate}),
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
}

double test_accuracy(Model& model, const Dataset& test) {
  return model.evaluate(test, {.batch_size = 256, .verbose = 0}).at("accuracy");
}

// Trains a compiled model up to each checkpoint in turn; the test accuracy at each.
std::vector<double> learning_curve(Model& model, const Dataset& train, const Dataset& test, uint64_t seed) {
  std::vector<double> accuracies;
  int64_t done = 0;
  for (int64_t epochs : kCheckpoints) {
    model.fit(train, {.epochs = epochs, .batch_size = 32, .verbose = 0, .initial_epoch = done, .seed = seed});
    done = epochs;
    accuracies.push_back(test_accuracy(model, test));
  }
  return accuracies;
}

std::vector<Tensor> snapshot(Model& model) {
  std::vector<Tensor> values;
  for (Weight* w : model.weights()) values.push_back(w->value.clone());
  return values;
}

void restore(Model& model, const std::vector<Tensor>& values) {
  const std::vector<Weight*> weights = model.weights();
  for (size_t i = 0; i < weights.size(); ++i) weights[i]->value.copy_(values[i]);
}

struct Spread {
  double mean, low, high;
};

Spread spread(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return {sum / values.size(), *std::min_element(values.begin(), values.end()),
          *std::max_element(values.begin(), values.end())};
}

void print_row(const std::string& label, const std::vector<double>& scratch, const std::vector<double>& transfer) {
  const Spread s = spread(scratch), t = spread(transfer);
  std::printf("  %-24s %.4f (%.4f-%.4f)   %.4f (%.4f-%.4f)   %+.4f\n", label.c_str(), s.mean, s.low, s.high, t.mean,
              t.low, t.high, t.mean - s.mean);
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

    // The target task: classes 5-9 (Sandal, Shirt, Sneaker, Bag, Ankle boot), 500 labelled images per draw.
    const std::vector<int64_t> target_classes = {5, 6, 7, 8, 9};
    const Dataset target_pool = select_classes(train, target_classes, kDraws * kLabelled);
    const Dataset target_test = select_classes(test, target_classes);

    const std::vector<Tensor> trained_base = snapshot(base);
    std::vector<std::vector<double>> scratch_curves, transfer_curves;  // [draw][checkpoint]
    std::vector<double> tuned;
    std::string feature_layer;
    for (int draw = 0; draw < kDraws; ++draw) {
      const Dataset few = slice_samples(target_pool, draw * kLabelled, kLabelled);
      const uint64_t seed = 10 + draw;

      Sequential scratch = zoo::mnist_cnn({.num_classes = 5});
      compile_for(scratch, 1e-3);
      scratch_curves.push_back(learning_curve(scratch, few, target_test, seed));

      // A fresh cut of the base per draw, so each draw gets its own head.
      Model features = remove_last_layers(base, cut);
      feature_layer = features.layers().back()->name();
      set_trainable(features, false);
      SymbolicTensor head = Dense({.units = 5, .activation = ActivationKind::softmax})(features.outputs()[0]);
      Model transfer(features.inputs(), {head});
      compile_for(transfer, 1e-3);
      transfer_curves.push_back(learning_curve(transfer, few, target_test, seed));

      set_trainable(transfer, true);
      compile_for(transfer, 1e-4);
      transfer.fit(few, {.epochs = kFineTuneEpochs, .batch_size = 32, .verbose = 0, .seed = seed});
      tuned.push_back(test_accuracy(transfer, target_test));
      restore(base, trained_base);  // the cut shares the base's layers: undo this draw's fine-tuning
      std::printf("draw %d: scratch %.4f, transferred head %.4f, fine-tuned %.4f (after %lld epochs)\n", draw,
                  scratch_curves.back().back(), transfer_curves.back().back(), tuned.back(),
                  static_cast<long long>(kCheckpoints.back()));
    }

    std::printf("\nFeatures: the output of layer '%s' of the base\n", feature_layer.c_str());
    std::printf("Classes 5-9 from %lld labelled images (%d draws), tested on %lld images; mean (min-max):\n",
                static_cast<long long>(kLabelled), kDraws, static_cast<long long>(target_test.size()));
    std::printf("  %-24s %-25s %-25s %s\n", "epochs", "from scratch", "transferred, new head", "gain");
    for (size_t i = 0; i < kCheckpoints.size(); ++i) {
      std::vector<double> s, t;
      for (int d = 0; d < kDraws; ++d) {
        s.push_back(scratch_curves[d][i]);
        t.push_back(transfer_curves[d][i]);
      }
      print_row(std::to_string(kCheckpoints[i]), s, t);
    }
    std::vector<double> scratch_final;
    for (const auto& curve : scratch_curves) scratch_final.push_back(curve.back());
    print_row("head, then fine-tuned", scratch_final, tuned);
  } catch (const Error& e) {
    std::fprintf(stderr, "transfer_learning: %s\n", e.what());
    return 1;
  }
  return 0;
}
