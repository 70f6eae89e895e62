package org.pauc.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.config.TrainConfig;
import org.pauc.data.Datasets;
import org.pauc.eval.Evaluator;
import org.pauc.export.OnnxExport;
import org.pauc.export.onnx.Onnx;
import org.pauc.io.AtomicFile;
import org.pauc.nn.Dims;
import org.pauc.nn.Network;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Writes a checkpoint's query encoder in eval mode as an ONNX model: input 'images' "
                + "(float32 NCHW, pixels / 255 and the run's normalisation, symbolic batch), output 'features' (backbone) or 'embedding' "
                + "(backbone + projection head). Input size and normalisation are in the model's metadata."})
final class ExportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "PATH", description = "A checkpoint.safetensors written by pauc train.")
    Path checkpoint;
    @Option(names = "--format", defaultValue = "onnx", description = "Only onnx (default: ${DEFAULT-VALUE}).")
    String format;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The model file to write.")
    Path out;
    @Option(names = "--part", defaultValue = "backbone", description = "backbone or backbone+head (default: ${DEFAULT-VALUE}).")
    String part;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("onnx")) {
            throw new IllegalArgumentException("--format must be onnx, got '" + format + "'");
        }
        OnnxExport.Part p = OnnxExport.Part.parse(part);
        AtomicFile.checkTarget(out, "--out");
        Checkpoint.Contents c = Checkpoint.read(checkpoint);
        TrainConfig cfg = c.config();
        int[] shape = c.input() != null ? c.input() : Datasets.imageShape(cfg.data().dataset(), cfg.data().imageSize());
        try (Backend be = Backends.create("cpu", 1);
             Network net = Evaluator.load(c, be, new Dims(shape[0], shape[1], shape[2]))) {
            Onnx.ModelProto model = OnnxExport.model(be, net, p,
                    OnnxExport.metadata(net, p, cfg.model().encoder().label(), checkpoint.getFileName().toString(),
                            cfg.augmentation().normalize() == TrainConfig.Normalize.IMAGENET));
            OnnxExport.write(model, out);
            spec.commandLine().getOut().printf("wrote %s: %s, %s → %s (%d nodes, opset %d)%n", out,
                    cfg.model().encoder().label(), "images " + shape[2] + "×" + shape[0] + "×" + shape[1],
                    p.outputName(), model.getGraph().getNodeCount(), OnnxExport.OPSET);
        }
        return 0;
    }
}
