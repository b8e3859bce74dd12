//! The training page's engine side: a dataset choice, a network and its [`Solver`], kept together
//! so a Web Worker can hold one [`Trainer`] and drive it a few iterations at a time.
//!
//! The network is a [`Sequential`] model: either the assignment's three-layer net, described by
//! a few numbers (filters, filter size, hidden size, batch norm) and initialised with the course's
//! weight scale, or any network designed in the Shapes panel's table, given by its layers' text
//! and initialised with He by default. Its input and number of classes come from the dataset, so
//! a network that does not fit them is refused at the layer where it stops fitting.
//!
//! Everything it hands out is plain data (losses, accuracies, RGBA tiles, probabilities, bytes),
//! so the page only draws. The settings are small serde structs whose field names are the page's;
//! [`defaults`] gives sensible ones per dataset and [`preset`] the two lessons: "Overfit 100
//! examples" (training accuracy near 100%, validation far lower) and "Full dataset".
//!
//! Data are normalised to `[−1, 1]` (see [`crate::data`]), not the course's mean-subtracted
//! 0–255 CIFAR pixels, so the course's weight scale of 1e-3 would start the net with almost no
//! signal; the defaults use a larger scale that trains.
//!
//! ```
//! use cnn_playground::trainer::{preset, DataSources, DatasetKind, Preset, Trainer};
//! let (mut data, mut run) = preset(DatasetKind::Figures, Preset::Overfit);
//! data.size = 16;
//! data.n_val = 20;
//! run.num_epochs = 1;
//! let mut trainer = Trainer::new(&data, DataSources::default(), &run).unwrap();
//! let progress = trainer.step(100).unwrap(); // stops at the end of the run
//! assert_eq!((progress.iteration, progress.num_iterations), (2, 2));
//! assert!(progress.finished);
//! assert_eq!(trainer.confusion().unwrap().counts.iter().flatten().sum::<usize>(), 20);
//! ```

use crate::budget::{self, Tally};
use crate::data::{self, ClassExamples, Dataset, DatasetView, FiguresConfig, RgbaImage};
use crate::error::{Error, Result};
use crate::i18n::{Lang, Message};
use crate::inspect::{self, Bytes, ConvFilters, LayerActivations, Tiles};
use crate::models::over_budget_as;
use crate::models::{
    ConvNetConfig, Init, Loss, Model, Sequential, SequentialConfig, ThreeLayerConvNet,
    MAX_PARAMETERS,
};
use crate::optim::{Adam, Optimizer, RmsProp, Sgd, SgdMomentum};
use crate::shapes::{LayerRow, LayerSpec, Network, Shape};
use crate::solver::{confusion_matrix, Solver, SolverConfig, TrainingData};
use ndarray::{Array4, Axis};
use serde::{Deserialize, Serialize};

/// Which images to train on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetKind {
    /// The generated five-class geometric figures ([`data::figures()`]), `3 × size × size`. Links
    /// and saved work from before the rename call it "shapes", which still reads as this.
    #[serde(alias = "shapes")]
    Figures,
    /// The 1,797 handwritten digits ([`data::parse_digits_resized`]), `1 × size × size`.
    Digits,
    /// The user's own drawn or uploaded images, `3 × size × size`.
    Own,
}

impl DatasetKind {
    /// Channels of the dataset's images: 1 for the (grey) digits, 3 for the rest.
    pub fn channels(self) -> usize {
        match self {
            DatasetKind::Digits => 1,
            DatasetKind::Figures | DatasetKind::Own => 3,
        }
    }
}

/// What to train on and how much of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSettings {
    pub dataset: DatasetKind,
    /// Image side in pixels (images are square).
    pub size: usize,
    /// Training examples. For the user's own images: ignored (4 of every 5 images train).
    pub n_train: usize,
    /// Validation examples. For the user's own images: ignored (1 of every 5 images, at least one).
    pub n_val: usize,
    /// Seed of the generated figures, and of the order of the user's own images.
    pub seed: u64,
}

/// The update rule, named as in the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateRule {
    Sgd,
    SgdMomentum,
    Rmsprop,
    Adam,
}

/// How a designed network draws its initial weights.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightInit {
    /// He (Kaiming): `sqrt(2 / fan_in)` per layer, which keeps the signal's scale through ReLU
    /// layers; the default for designed networks.
    #[default]
    He,
    /// The course's one `weight_scale` for every layer.
    Scale,
}

/// The network and how to train it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSettings {
    /// A network designed in the table, as its layers' text (`conv3x3-16 pad1, relu, pool2,
    /// fc5`; the input is the dataset's images, so any `32x32x3:` in front must be theirs). Empty
    /// for the assignment's three-layer net made from the four fields below.
    #[serde(default)]
    pub network: String,
    /// How a designed network draws its weights (the three-layer net always uses
    /// `weight_scale`, as the course).
    #[serde(default)]
    pub init: WeightInit,
    /// The loss on the class scores.
    #[serde(default)]
    pub loss: Loss,
    /// Conv filters F.
    pub num_filters: usize,
    /// Filter side k (odd keeps H and W through the conv).
    pub filter_size: usize,
    /// Neurons of the hidden layer.
    pub hidden_dim: usize,
    /// Spatial batch norm after the conv.
    pub batchnorm: bool,
    /// Standard deviation of the initial weights.
    pub weight_scale: f64,
    /// L2 regularization strength.
    pub reg: f64,
    pub update_rule: UpdateRule,
    pub learning_rate: f64,
    /// The learning rate is multiplied by this after every epoch.
    pub lr_decay: f64,
    pub batch_size: usize,
    pub num_epochs: usize,
    /// Seed of the initial weights and of the minibatch order.
    pub seed: u64,
}

impl RunSettings {
    /// The optimizer with this rule and learning rate; other hyperparameters are the course's.
    pub fn optimizer(&self) -> Optimizer {
        let learning_rate = self.learning_rate;
        match self.update_rule {
            UpdateRule::Sgd => Optimizer::Sgd(Sgd { learning_rate }),
            UpdateRule::SgdMomentum => Optimizer::SgdMomentum(SgdMomentum {
                learning_rate,
                ..SgdMomentum::default()
            }),
            UpdateRule::Rmsprop => Optimizer::RmsProp(RmsProp {
                learning_rate,
                ..RmsProp::default()
            }),
            UpdateRule::Adam => Optimizer::Adam(Adam {
                learning_rate,
                ..Adam::default()
            }),
        }
    }

    /// The three-layer net's configuration for images `(C, H, W)` in `classes` classes.
    pub fn net_config(&self, input_dim: (usize, usize, usize), classes: usize) -> ConvNetConfig {
        ConvNetConfig {
            input_dim,
            num_filters: self.num_filters,
            filter_size: self.filter_size,
            hidden_dim: self.hidden_dim,
            num_classes: classes,
            weight_scale: self.weight_scale,
            reg: self.reg,
            batchnorm: self.batchnorm,
            seed: self.seed,
        }
    }

    /// The network these settings describe for images `(C, H, W)` in `classes` classes: the
    /// designed one ([`RunSettings::network`]) or the three-layer net, as conv (stride 1, pad
    /// (k − 1)/2) – [bn] – relu – 2×2 max pool – fc – relu – fc, which is the course's
    /// `ThreeLayerConvNet` with the same weights for the same seed.
    ///
    /// Errors: the network's text cannot be read, names an input other than the dataset's, or
    /// (three-layer) a setting the net refuses; the layers are checked by [`Sequential::new`].
    pub fn model_config(
        &self,
        input: (usize, usize, usize),
        classes: usize,
    ) -> Result<SequentialConfig> {
        let (c, h, w) = input;
        let (network, init) = if self.network.trim().is_empty() {
            self.net_config(input, classes).validate()?;
            let mut layers = vec![LayerSpec::conv_same(self.num_filters, self.filter_size)];
            if self.batchnorm {
                layers.push(LayerSpec::Bn);
            }
            layers.extend([
                LayerSpec::Relu,
                LayerSpec::pool2(),
                LayerSpec::Fc {
                    outputs: self.hidden_dim,
                },
                LayerSpec::Relu,
                LayerSpec::Fc { outputs: classes },
            ]);
            let network = Network {
                input: Shape::new(c, h, w),
                layers,
            };
            (network, Init::Scale(self.weight_scale))
        } else {
            let text = self.network.trim();
            let network: Network = if text.contains(':') {
                let network: Network = text.parse()?;
                if network.input != Shape::new(c, h, w) {
                    return Err(Error::invalid(
                        Message::new("models.trainer.network_input")
                            .arg("network", network.input)
                            .arg("dataset", Shape::new(c, h, w)),
                    ));
                }
                network
            } else {
                format!("{h}x{w}x{c}: {text}").parse()?
            };
            let init = match self.init {
                WeightInit::He => Init::He,
                WeightInit::Scale => Init::Scale(self.weight_scale),
            };
            (network, init)
        };
        Ok(SequentialConfig {
            network,
            num_classes: classes,
            init,
            loss: self.loss,
            reg: self.reg,
            seed: self.seed,
        })
    }

    /// The solver's configuration: train accuracy on up to 1,000 samples, validation on all, and
    /// at the end the net keeps its last parameters (not the course's best-validation ones), so
    /// that what the page shows after a run — predictions, activations, the confusion matrix — is
    /// the net the chart ends with, memorised training set included.
    pub fn solver_config(&self) -> SolverConfig {
        SolverConfig {
            optimizer: self.optimizer(),
            lr_decay: self.lr_decay,
            batch_size: self.batch_size,
            num_epochs: self.num_epochs,
            seed: self.seed,
            restore_best_params: false,
            ..SolverConfig::default()
        }
    }
}

/// The two set-ups the page offers as buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// 100 training examples, many epochs: the net memorises them and validation lags far behind.
    Overfit,
    /// Every example the dataset offers, a few epochs.
    Full,
}

/// Sensible settings for a dataset: the "Full dataset" preset.
pub fn defaults(kind: DatasetKind) -> (DataSettings, RunSettings) {
    preset(kind, Preset::Full)
}

/// The settings of a preset for a dataset.
///
/// All use 16 filters of 5×5, hidden 100, weight scale 3e-2, adam, batch 50 and seed 0; digits
/// are shown at 16×16. Overfit: 100 training examples (figures at 16×16), learning rate 5e-3, no
/// regularization, 20 epochs — training accuracy reaches 100% while validation stays near chance
/// for the figures (about 88% for the easier digits). Full: figures 2,000 + 500 at 32×32 for 10
/// epochs, digits 1,497 + 300 for 5, own images at 32×32 for 20; learning rate 3e-3 decaying by
/// 5% an epoch, regularization 1e-3.
pub fn preset(kind: DatasetKind, preset: Preset) -> (DataSettings, RunSettings) {
    let (size, n_train, n_val) = match (kind, preset) {
        (DatasetKind::Figures, Preset::Overfit) => (16, 100, 500),
        (DatasetKind::Figures, Preset::Full) => (32, 2000, 500),
        (DatasetKind::Digits, Preset::Overfit) => (16, 100, 300),
        (DatasetKind::Digits, Preset::Full) => (16, 1497, 300),
        (DatasetKind::Own, _) => (32, 100, 25),
    };
    let data = DataSettings {
        dataset: kind,
        size,
        n_train,
        n_val,
        seed: 0,
    };
    let full = preset == Preset::Full;
    let run = RunSettings {
        // The three-layer net, which uses the weight scale; a network typed in its place starts
        // with He, the designed networks' default.
        network: String::new(),
        init: WeightInit::He,
        loss: Loss::Softmax,
        num_filters: 16,
        filter_size: 5,
        hidden_dim: 100,
        batchnorm: false,
        weight_scale: 3e-2,
        reg: if full { 1e-3 } else { 0.0 },
        update_rule: UpdateRule::Adam,
        learning_rate: if full { 3e-3 } else { 5e-3 },
        lr_decay: if full { 0.95 } else { 1.0 },
        batch_size: 50,
        num_epochs: match (kind, preset) {
            (_, Preset::Overfit) => 20,
            (DatasetKind::Figures, Preset::Full) => 10,
            (DatasetKind::Digits, Preset::Full) => 5,
            (DatasetKind::Own, Preset::Full) => 20,
        },
        seed: 0,
    };
    (data, run)
}

/// The networks the page offers ready-made, each with the data and training it is shown on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NetworkPreset {
    /// The assignment's `ThreeLayerConvNet` with `cnn.py`'s defaults (32 filters of 7×7, hidden
    /// 100), written as a designed network, on the figures at 32×32 with the course's weight
    /// scale.
    ThreeLayer,
    /// The lecture's `[CONV-RELU-CONV-RELU-POOL]×3 → FC → 5` ([`Network::lecture`]) on the five
    /// figures at 32×32, with He initialisation and Adam at 3e-3 for 200 iterations.
    Lecture,
    /// A small LeNet-like network for the digits at 16×16: two conv–relu–pool blocks of 6 and 16
    /// filters of 5×5, then fc120, fc84 and the 10 scores.
    LeNet,
}

impl NetworkPreset {
    pub const ALL: [NetworkPreset; 3] = [
        NetworkPreset::ThreeLayer,
        NetworkPreset::Lecture,
        NetworkPreset::LeNet,
    ];

    /// What the page's button says.
    pub fn label(self) -> Message {
        Message::new(match self {
            NetworkPreset::ThreeLayer => "models.trainer.preset.three_layer",
            NetworkPreset::Lecture => "models.trainer.preset.lecture",
            NetworkPreset::LeNet => "models.trainer.preset.lenet",
        })
    }
}

/// The data and run settings of a ready-made network. Each trains to well above chance in its
/// run (tests/trainer.rs trains the lecture's).
pub fn network_preset(preset: NetworkPreset) -> (DataSettings, RunSettings) {
    let (mut data, mut run) = self::preset(DatasetKind::Figures, Preset::Full);
    run.lr_decay = 1.0;
    run.reg = 0.0;
    match preset {
        NetworkPreset::ThreeLayer => {
            run.network = "conv7x7-32 pad3, relu, pool2, fc100, relu, fc5".into();
            run.init = WeightInit::Scale;
            run.num_epochs = 5;
        }
        NetworkPreset::Lecture => {
            let text = Network::lecture().to_string();
            // The table's text starts with its input, 32x32x3: the dataset's images here.
            run.network = text
                .split_once(": ")
                .map_or(text.as_str(), |(_, layers)| layers)
                .to_string();
            run.num_epochs = 5;
        }
        NetworkPreset::LeNet => {
            (data, run) = self::preset(DatasetKind::Digits, Preset::Full);
            run.network =
                "conv5x5-6 pad2, relu, pool2, conv5x5-16, relu, pool2, fc120, relu, fc84, relu, fc10"
                    .into();
            run.init = WeightInit::He;
            run.lr_decay = 1.0;
            run.reg = 0.0;
        }
    }
    if preset != NetworkPreset::ThreeLayer {
        run.init = WeightInit::He;
    }
    (data, run)
}

/// The designed network of `run` in the network table's text, on the images `data` gives
/// (`32x32x3: conv3x3-16 pad1, …`): what the Shapes panel shows for a ready-made network.
pub fn network_text(data: &DataSettings, run: &RunSettings) -> String {
    format!(
        "{0}x{0}x{1}: {2}",
        data.size,
        data.dataset.channels(),
        run.network
    )
}

/// Where an example comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Val,
}

/// Train and validation accuracy after an iteration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccuracyPoint {
    pub iteration: usize,
    pub epoch: usize,
    pub train_acc: f64,
    pub val_acc: f64,
}

/// What a call of [`Trainer::step`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Iterations done so far (after this call).
    pub iteration: usize,
    pub num_iterations: usize,
    /// Epochs completed.
    pub epoch: usize,
    /// The minibatch loss of each iteration this call ran, the first being iteration
    /// `iteration − losses.len() + 1`.
    pub losses: Vec<f64>,
    /// Accuracies measured during this call (after the first iteration and each epoch).
    pub accuracies: Vec<AccuracyPoint>,
    /// The learning rate the next update will use.
    pub learning_rate: f64,
    /// Training has ended (the net keeps its last parameters).
    pub finished: bool,
    /// Training stopped on a NaN or infinite loss: the engine's error, whose message names the
    /// likely cause (a lower learning rate, or at the first iteration the weight scale or the
    /// regularization). The net keeps its last parameters whose loss was finite. Not serialized:
    /// the web boundary writes it in the page's language.
    #[serde(skip)]
    pub diverged: Option<Error>,
}

/// The dataset and net, as the page describes them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub dataset: DatasetKind,
    pub class_names: Vec<String>,
    /// `[C, H, W]` of one image.
    pub image_shape: [usize; 3],
    pub n_train: usize,
    pub n_val: usize,
    /// Training examples per class.
    pub train_counts: Vec<usize>,
    /// The net's settings (after an import, those of the file).
    pub net: RunSettings,
    /// The network being trained, in the table's text (input included).
    pub network: String,
    pub num_parameters: usize,
    /// Each layer of the running model: its shapes, parameters and multiply-adds for one image.
    pub layers: Vec<LayerRow>,
    pub batch_size: usize,
    pub iterations_per_epoch: usize,
    pub num_iterations: usize,
    pub iteration: usize,
}

/// Examples of a dataset to show in a grid with their labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Previews {
    pub class_names: Vec<String>,
    /// Label of each tile.
    pub labels: Vec<usize>,
    pub tiles: Tiles,
}

/// One example through the net: the input, every layer, and the prediction.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExampleView {
    pub split: Split,
    pub index: usize,
    pub label: usize,
    pub input: Tiles,
    pub layers: Vec<LayerActivations>,
    pub probabilities: Vec<f64>,
    pub predicted: usize,
    pub class_names: Vec<String>,
}

/// Class probabilities for an image of the user's.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Prediction {
    pub class_names: Vec<String>,
    pub probabilities: Vec<f64>,
    pub predicted: usize,
    /// The image as the net sees it (resized to its input).
    pub input: Tiles,
}

/// The validation set's confusion matrix: `counts[true][predicted]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Confusion {
    pub class_names: Vec<String>,
    pub counts: Vec<Vec<usize>>,
    pub accuracy: f64,
}

/// What the engine cannot make by itself: the user's images and, in the browser, the digits file.
/// `DataSources::default()` has neither, which is all the figures need (and natively the digits).
#[derive(Debug, Clone, Copy, Default)]
pub struct DataSources<'a> {
    /// The user's own images, class by class, for [`DatasetKind::Own`].
    pub own: &'a [ClassExamples],
    /// The bytes of the digits file ([`data::DIGITS_URL`]), for [`DatasetKind::Digits`]. `None`
    /// takes the copy native builds embed ([`data::embedded_digits_file`]); the wasm build has
    /// none, so the page fetches the file and passes it here.
    pub digits_file: Option<&'a [u8]>,
}

/// Dataset, net and solver of one training run. The images are held once, by the solver
/// ([`Solver::data`]); the trainer reads its datasets, previews and examples from there.
#[derive(Debug, Clone)]
pub struct Trainer {
    data: DataSettings,
    /// The datasets' class names (the solver keeps only images and labels).
    class_names: Vec<String>,
    run: RunSettings,
    solver: Solver<f32, Sequential<f32>>,
}

/// The limits the engine puts on what the Train panel may ask for, in one place so the page
/// reads them instead of repeating them ([`limits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// Most generated figures, training and validation together ([`MAX_FIGURES`]).
    pub max_figures: usize,
    /// Smallest and largest side of the generated figures ([`data::figures::SIZE_RANGE`]).
    pub min_figures_side: usize,
    pub max_figures_side: usize,
    /// Largest side of a dataset's images ([`data::MAX_DATASET_SIDE`]).
    pub max_dataset_side: usize,
    /// Fewest and most classes of a dataset of the user's own ([`data::MIN_CLASSES`],
    /// [`data::MAX_CLASSES`]).
    pub min_classes: usize,
    pub max_classes: usize,
    /// Largest width or height of an image of the user's own ([`data::MAX_IMAGE_SIDE`]).
    pub max_image_side: usize,
    /// Most parameters a net may have ([`MAX_PARAMETERS`]).
    pub max_parameters: usize,
    /// The memory budget of one request, in bytes ([`budget::MAX_BYTES`]).
    pub budget_bytes: u64,
}

/// The engine's limits for the Train panel.
pub fn limits() -> Limits {
    let (min_figures_side, max_figures_side) = data::figures::SIZE_RANGE;
    Limits {
        max_figures: MAX_FIGURES,
        min_figures_side,
        max_figures_side,
        max_dataset_side: data::MAX_DATASET_SIDE,
        min_classes: data::MIN_CLASSES,
        max_classes: data::MAX_CLASSES,
        max_image_side: data::MAX_IMAGE_SIDE,
        max_parameters: MAX_PARAMETERS,
        budget_bytes: budget::MAX_BYTES,
    }
}

/// The user's own images as a shuffled dataset split 4:1 into training and validation.
fn own_split(own: &[ClassExamples], data: &DataSettings) -> Result<(Dataset, Dataset)> {
    let all = Dataset::from_rgba_examples(own, 3, data.size, data.size)?;
    if all.len() < 2 {
        return Err(Error::invalid(
            Message::new("models.trainer.own_too_few").arg("count", all.len()),
        ));
    }
    let n_val = (all.len() / 5).max(1);
    let n_train = all.len() - n_val;
    all.shuffled(data.seed).into_split(n_train, n_val)
}

/// Checks what `data` asks for before anything is made: the counts, and the memory of the
/// images and labels of both sets plus the validation images copied out while splitting
/// (the generated figures and the user's images; the digits are checked as their file is read,
/// since their count comes from it).
fn check_data(data: &DataSettings, sources: &DataSources) -> Result<()> {
    if data.n_val == 0 && data.dataset != DatasetKind::Own {
        return Err(Error::Zero {
            what: Message::new("models.trainer.validation_examples"),
        });
    }
    let side = data.size;
    match data.dataset {
        DatasetKind::Figures => {
            let count = data.n_train.checked_add(data.n_val).ok_or_else(|| {
                Error::invalid(
                    Message::new("models.trainer.figures_uncountable")
                        .arg("train", data.n_train)
                        .arg("val", data.n_val)
                        .arg("max", MAX_FIGURES),
                )
            })?;
            if count > MAX_FIGURES {
                return Err(Error::invalid(
                    Message::new("models.trainer.too_many_figures")
                        .arg("count", count)
                        .arg("train", data.n_train)
                        .arg("val", data.n_val)
                        .arg("max", MAX_FIGURES),
                ));
            }
            data::figures::check_side(side)?;
            let what = Message::new("models.trainer.figures_memory")
                .arg("count", count)
                .arg("side", side)
                .arg("train", data.n_train)
                .arg("val", data.n_val);
            Tally::new(what.to_string())
                .add::<f32>(&[count, 3, side, side])
                .add::<f32>(&[data.n_val, 3, side, side])
                .add::<usize>(&[2, count])
                .check()
                .map_err(|e| over_budget_as(e, what))
        }
        DatasetKind::Digits => Ok(()),
        DatasetKind::Own => {
            let n: usize = sources.own.iter().map(|c| c.images.len()).sum();
            // The converted images, their shuffled copy, and the validation part split off.
            let what = Message::new("models.trainer.own_memory")
                .arg("n", n)
                .arg("side", side);
            Tally::new(what.to_string())
                .add::<f32>(&[2, n, 3, side, side])
                .add::<f32>(&[n.div_ceil(5), 3, side, side])
                .add::<usize>(&[3, n])
                .check()
                .map_err(|e| over_budget_as(e, what))
        }
    }
}

/// Checks the net and the solver `run` describes against images `(C, H, W)` in `classes`
/// classes, `n_train` and `n_val` of them, and against the memory budget, before any data are
/// made; returns the net, ready to be named by its classes and trained.
fn check_run(
    run: &RunSettings,
    input_dim: (usize, usize, usize),
    classes: usize,
    n_train: usize,
    n_val: usize,
) -> Result<Sequential<f32>> {
    let model = new_model(run, input_dim, classes)?;
    let solver = run.solver_config();
    solver.optimizer.validate()?;
    if n_train == 0 {
        return Err(Error::Zero {
            what: Message::new("models.trainer.training_examples"),
        });
    }
    model.training_tally(&solver, n_train, n_val)?.check()?;
    Ok(model)
}

/// The training and validation sets `data` describes, taking the user's images and the digits
/// file from `sources`.
///
/// Errors: a setting the dataset refuses (each with its message), a request over the memory
/// budget ([`crate::budget`], checked before anything is generated), a digits file that is not
/// valid ([`data::parse_digits`]'s message), or the digits chosen in a build that embeds no file
/// while `sources` gives none.
pub fn load_data(data: &DataSettings, sources: DataSources) -> Result<(Dataset, Dataset)> {
    check_data(data, &sources)?;
    match data.dataset {
        DatasetKind::Figures => {
            let all = data::figures(&FiguresConfig {
                // check_data refused a sum that overflows.
                count: data.n_train + data.n_val,
                size: data.size,
                seed: data.seed,
                ..FiguresConfig::default()
            })?;
            all.into_split(data.n_train, data.n_val)
        }
        DatasetKind::Digits => {
            let file = sources
                .digits_file
                .or(data::embedded_digits_file())
                .ok_or_else(|| {
                    Error::invalid(
                        Message::new("models.trainer.no_digits_file").arg("url", data::DIGITS_URL),
                    )
                })?;
            data::parse_digits_resized(file, data.size)?.into_split(data.n_train, data.n_val)
        }
        DatasetKind::Own => own_split(sources.own, data),
    }
}

/// Most figures (training + validation) the page may generate.
pub const MAX_FIGURES: usize = 20_000;

/// A fresh network for `run` on images `(C, H, W)` in `classes` classes, checked before it is
/// made: its parameters against [`MAX_PARAMETERS`] and the budget, and one training step's work
/// on a minibatch against [`crate::budget::MAX_STEP_MULTIPLY_ADDS`].
fn new_model(
    run: &RunSettings,
    input_dim: (usize, usize, usize),
    classes: usize,
) -> Result<Sequential<f32>> {
    let config = run.model_config(input_dim, classes)?;
    let report = config.network.walk()?;
    if report.error.is_none() && report.summary.params > MAX_PARAMETERS as u64 {
        return Err(Error::invalid(
            Message::new("models.trainer.too_many_parameters")
                .arg("params", report.summary.params)
                .arg("max", MAX_PARAMETERS),
        ));
    }
    let model = Sequential::new(config)?;
    model.check_step_work(run.batch_size)?;
    Ok(model)
}

/// A fresh network for `run` on images `(C, H, W)`, named by its classes.
fn new_net(
    run: &RunSettings,
    input_dim: (usize, usize, usize),
    class_names: &[String],
) -> Result<Sequential<f32>> {
    let mut model = new_model(run, input_dim, class_names.len())?;
    model.set_class_names(class_names.to_vec())?;
    Ok(model)
}

fn tiles_of(image: ndarray::ArrayView3<f32>) -> Tiles {
    let (_, h, w) = image.dim();
    Tiles {
        count: 1,
        height: h,
        width: w,
        rgba: inspect::image_rgba(image),
    }
}

impl Trainer {
    /// Loads the data (see [`load_data`]) and makes a fresh net and solver.
    ///
    /// Before anything large is made, the settings are checked against the memory budget
    /// ([`crate::budget`]): the images, and the net's parameters and activations for a minibatch;
    /// the first that does not fit is the error.
    ///
    /// Errors: the data cannot be made (too many examples, a bad size, fewer than two images of
    /// the user's own, a missing or invalid digits file, more memory than the budget, …) or the
    /// net or solver refuses a setting (the message says which).
    pub fn new(data: &DataSettings, sources: DataSources, run: &RunSettings) -> Result<Self> {
        check_data(data, &sources)?;
        // The net is checked on the settings before the data are generated, which can take long.
        let (s, n_train, n_val) = (data.size, data.n_train, data.n_val);
        let input = (data.dataset.channels(), s, s);
        // The net checked here is the one trained: it is made once.
        let checked = match data.dataset {
            DatasetKind::Figures => Some(check_run(
                run,
                input,
                data::Figure::ALL.len(),
                n_train,
                n_val,
            )?),
            DatasetKind::Digits => {
                Some(check_run(run, input, data::DIGITS_CLASSES, n_train, n_val)?)
            }
            // The user's images are few; their count and classes are known once converted.
            DatasetKind::Own => None,
        };
        let (train, val) = load_data(data, sources)?;
        let class_names = train.class_names().to_vec();
        let net = match checked {
            Some(mut net) => {
                net.set_class_names(class_names.clone())?;
                net
            }
            None => new_net(run, train.image_shape(), &class_names)?,
        };
        let solver = Solver::new(
            net,
            TrainingData::from_owned_datasets(train, val),
            run.solver_config(),
        )?;
        Ok(Trainer {
            data: data.clone(),
            class_names,
            run: run.clone(),
            solver,
        })
    }

    /// `(C, H, W)` of the images.
    fn image_shape(&self) -> (usize, usize, usize) {
        let (_, c, h, w) = self.solver.data().x_train.dim();
        (c, h, w)
    }

    /// Starts over on the same data with a fresh net made from `run`. On error the trainer is
    /// unchanged.
    pub fn reset(&mut self, run: &RunSettings) -> Result<()> {
        let net = new_net(run, self.image_shape(), &self.class_names)?;
        self.solver.restart(net, run.solver_config())?;
        self.run = run.clone();
        Ok(())
    }

    /// The data settings this trainer was made with.
    pub fn data_settings(&self) -> &DataSettings {
        &self.data
    }

    /// The training and validation sets, borrowed from the solver, which holds the only copy.
    pub fn datasets(&self) -> (DatasetView<'_>, DatasetView<'_>) {
        let d = self.solver.data();
        let names = self.class_names.as_slice();
        (
            DatasetView::trusted(d.x_train.view(), &d.y_train, names),
            DatasetView::trusted(d.x_val.view(), &d.y_val, names),
        )
    }

    /// The bytes of images and labels this trainer holds: one copy of the training and the
    /// validation set ([`TrainingData::bytes`]).
    pub fn data_bytes(&self) -> usize {
        self.solver.data().bytes()
    }

    /// The solver (and through it the net and the history).
    pub fn solver(&self) -> &Solver<f32, Sequential<f32>> {
        &self.solver
    }

    /// Runs up to `n` iterations, stopping early when training finishes or diverges. Calling it
    /// after the end does nothing and reports `finished` (or `diverged`) again.
    ///
    /// Errors only on an engine failure other than divergence.
    pub fn step(&mut self, n: usize) -> Result<Progress> {
        let mut losses = Vec::new();
        let mut accuracies = Vec::new();
        let mut diverged = self.solver.diverged().cloned();
        let mut finished = self.solver.is_finished();
        while losses.len() < n && !finished && diverged.is_none() {
            match self.solver.step() {
                Ok(step) => {
                    losses.push(step.loss);
                    if let Some(a) = step.accuracy {
                        accuracies.push(AccuracyPoint {
                            iteration: step.iteration,
                            epoch: a.epoch,
                            train_acc: a.train_acc,
                            val_acc: a.val_acc,
                        });
                    }
                    finished = step.finished;
                }
                Err(e @ (Error::Diverged { .. } | Error::DivergedAtStart { .. })) => {
                    diverged = Some(e)
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Progress {
            iteration: self.solver.iteration(),
            num_iterations: self.solver.num_iterations(),
            epoch: self.solver.epoch(),
            losses,
            accuracies,
            learning_rate: self.solver.learning_rate(),
            finished,
            diverged,
        })
    }

    fn net(&self) -> &Sequential<f32> {
        self.solver.model()
    }

    /// The dataset and the net in numbers.
    pub fn summary(&self) -> Result<Summary> {
        let net = self.net();
        let network = &net.config().network;
        let report = network.walk()?;
        let (train, val) = self.datasets();
        let (c, h, w) = train.image_shape();
        Ok(Summary {
            dataset: self.data.dataset,
            class_names: self.class_names.clone(),
            image_shape: [c, h, w],
            n_train: train.len(),
            n_val: val.len(),
            train_counts: train.class_counts(),
            net: self.run.clone(),
            network: network.to_string(),
            num_parameters: net.params().num_values(),
            layers: report.rows,
            batch_size: self.solver.batch_size(),
            iterations_per_epoch: self.solver.iterations_per_epoch(),
            num_iterations: self.solver.num_iterations(),
            iteration: self.solver.iteration(),
        })
    }

    /// Up to `per_class` training examples of each class, class by class, as tiles with labels.
    pub fn previews(&self, per_class: usize) -> Result<Previews> {
        let (d, _) = self.datasets();
        let mut taken = vec![0; d.num_classes()];
        let mut labels = Vec::new();
        let mut rgba = Vec::new();
        let mut indices: Vec<usize> = (0..d.len()).collect();
        indices.sort_by_key(|&i| d.labels()[i]); // stable: each class keeps the dataset's order
        for i in indices {
            let label = d.labels()[i];
            if taken[label] < per_class {
                taken[label] += 1;
                labels.push(label);
                rgba.extend(d.rgba(i)?);
            }
        }
        let (_, h, w) = d.image_shape();
        Ok(Previews {
            class_names: d.class_names().to_vec(),
            tiles: Tiles {
                count: labels.len(),
                height: h,
                width: w,
                rgba: Bytes(rgba),
            },
            labels,
        })
    }

    /// The filters of every conv layer, in layer order, each as F small images.
    pub fn filters(&self) -> Vec<ConvFilters> {
        self.filters_in(Lang::En)
    }

    /// [`Trainer::filters`] with the layers named in `lang`.
    pub fn filters_in(&self, lang: Lang) -> Vec<ConvFilters> {
        inspect::conv_filters_in(self.net(), lang)
    }

    /// Example `index` of a split through the net (batch norm in test mode, as for predictions).
    ///
    /// Errors if the index is out of range.
    pub fn example(&self, split: Split, index: usize) -> Result<ExampleView> {
        self.example_in(split, index, Lang::En)
    }

    /// [`Trainer::example`] with the layers named in `lang`.
    pub fn example_in(&self, split: Split, index: usize, lang: Lang) -> Result<ExampleView> {
        let (train, val) = self.datasets();
        let d = match split {
            Split::Train => train,
            Split::Val => val,
        };
        let image = d.example(index)?;
        let x = image.insert_axis(Axis(0)).to_owned();
        let net = self.net();
        let outputs = net.layer_outputs(&x)?;
        let probabilities = inspect::probabilities(&net.scores(&x)?);
        Ok(ExampleView {
            split,
            index,
            label: d.labels()[index],
            input: tiles_of(image),
            layers: inspect::sequential_activations_in(&outputs, 0, lang)?,
            predicted: argmax(&probabilities),
            probabilities,
            class_names: net.class_names().to_vec(),
        })
    }

    /// Class probabilities for an RGBA image of any size, converted like the training images
    /// (composited over black, area-resized to the net's input, grey for one-channel nets).
    pub fn predict(&self, image: &RgbaImage) -> Result<Prediction> {
        let net = self.net();
        let (c, h, w) = net.input_shape();
        let example = data::rgba_to_example(image, c, h, w)?;
        let x: Array4<f32> = example.view().insert_axis(Axis(0)).to_owned();
        let probabilities = inspect::probabilities(&net.scores(&x)?);
        Ok(Prediction {
            class_names: net.class_names().to_vec(),
            predicted: argmax(&probabilities),
            probabilities,
            input: tiles_of(example.view()),
        })
    }

    /// The confusion matrix of the current net on the validation set.
    pub fn confusion(&self) -> Result<Confusion> {
        let d = self.solver.data();
        let m = confusion_matrix(self.net(), &d.x_val, &d.y_val)?;
        let correct: usize = m.diag().sum();
        Ok(Confusion {
            class_names: self.class_names.clone(),
            counts: m.rows().into_iter().map(|row| row.to_vec()).collect(),
            accuracy: correct as f64 / d.y_val.len() as f64,
        })
    }

    /// The current net as a model file (see [`crate::models::file`]).
    pub fn export(&self) -> Vec<u8> {
        self.net().to_bytes()
    }

    /// Replaces the net by the one in a model file, ready to train further on the current data
    /// with the current optimizer settings (a new run starts at iteration 0). Returns the new
    /// summary, whose `net` holds the file's architecture: a designed network's text (the
    /// dataset's input left out), or for a three-layer file of format version 1 its numbers.
    ///
    /// Errors, keeping the current net and run: the file is not a model, has another format
    /// version, is cut short or damaged, its arrays do not fit its architecture (each with the
    /// model file's own message), or the net was made for images or classes other than this
    /// dataset's.
    pub fn import(&mut self, bytes: &[u8]) -> Result<Summary> {
        let (mut net, run) = match crate::models::file::version(bytes)? {
            1 => {
                let net = ThreeLayerConvNet::<f32>::from_bytes(bytes)?;
                let config = net.config().clone();
                let run = RunSettings {
                    network: String::new(),
                    init: WeightInit::Scale,
                    num_filters: config.num_filters,
                    filter_size: config.filter_size,
                    hidden_dim: config.hidden_dim,
                    batchnorm: config.batchnorm,
                    weight_scale: config.weight_scale,
                    seed: config.seed,
                    ..self.run.clone()
                };
                (Sequential::from_three_layer(&net)?, run)
            }
            _ => {
                let net = Sequential::<f32>::from_bytes(bytes)?;
                let config = net.config();
                let text = config.network.to_string();
                let (init, weight_scale) = match config.init {
                    Init::He => (WeightInit::He, self.run.weight_scale),
                    Init::Scale(scale) => (WeightInit::Scale, scale),
                };
                let run = RunSettings {
                    network: text
                        .split_once(": ")
                        .map_or(text.as_str(), |(_, layers)| layers)
                        .to_string(),
                    init,
                    loss: config.loss,
                    weight_scale,
                    seed: config.seed,
                    ..self.run.clone()
                };
                (net, run)
            }
        };
        let (c, h, w) = self.image_shape();
        let classes = self.class_names.len();
        let (fc, fh, fw) = net.input_shape();
        if (fc, fh, fw, net.num_classes()) != (c, h, w, classes) {
            return Err(Error::ModelFile(
                Message::new("models.trainer.model_does_not_fit")
                    .arg("fh", fh)
                    .arg("fw", fw)
                    .arg("fc", fc)
                    .arg("model_classes", net.num_classes())
                    .arg("h", h)
                    .arg("w", w)
                    .arg("c", c)
                    .arg("classes", classes),
            ));
        }
        net.set_reg(self.run.reg)?;
        net.check_step_work(run.batch_size)?;
        self.solver.restart(net, run.solver_config())?;
        self.run = run;
        self.summary()
    }
}

/// Index of the largest value (the first on ties).
fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}
