// What a model does with the dtype of the data it is given (Model::call), as Keras does with its inputs.
#pragma once

#include <memory>
#include <vector>

#include "fovea/layers/layer.h"

namespace fovea::model_detail {

// Data of any dtype passes as it is when every layer the input feeds takes it (LayerImpl::accepts_integer_input:
// Rescaling and Normalization convert stored pixels, ONNX operators follow ONNX's dtype rules). Otherwise float64 is
// cast to float32 when the model's weights are float32 (Keras casts inputs to the layers' dtype; a model of float64
// weights, or without weights, takes it as it is), and integer data is a ValueError naming the input, the first
// layer and the fix.
Tensor conform_input_dtype(const Tensor& x, const SymbolicTensor& input, const std::string& model_name,
                           const std::vector<std::shared_ptr<GraphNode>>& nodes, const std::vector<Layer>& layers);

}  // namespace fovea::model_detail
